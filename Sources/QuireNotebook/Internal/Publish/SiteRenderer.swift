import Foundation
import Mustache

/// Renders the site's `index.html` from `templates/site.mustache` (+ `report.css`, inlined, so the index
/// looks like the reports it links): one row per published notebook, one column per metric a run log
/// reported (`run · metric`, final value). Every link is relative to the site folder.
struct SiteRenderer {
    let template: MustacheTemplate
    let css: String

    init(templatesDirectory: String) throws(NotebookError) {
        (template, css) = try HTML.loadTemplate("site", in: templatesDirectory)
    }

    func render(_ notebooks: [PublishedNotebook], quireVersion: String, date: String) -> String {
        template.render(Self.context(notebooks, quireVersion: quireVersion, date: date, css: css))
    }

    static func context(_ notebooks: [PublishedNotebook], quireVersion: String, date: String, css: String) -> [String: Any] {
        // One column per run·metric, in the order they first appear.
        var columns: [(run: String, name: String)] = []
        for n in notebooks {
            for run in n.record.runMetrics {
                for v in run.values where !columns.contains(where: { $0.run == run.run && $0.name == v.name }) {
                    columns.append((run.run, v.name))
                }
            }
        }
        let rows: [[String: Any]] = notebooks.map { n in
            let record = n.record
            let folder = URLPath.encode(n.folder)
            var row: [String: Any] = [
                "href": folder + "/index.html",
                "title": record.notebook.title,
                "source": record.notebook.path,
                "date": record.startedAt,
                "seconds": ReportModel.duration(n.seconds),
                "secondsSort": String(format: "%.3f", n.seconds),
                "metrics": columns.map { column -> [String: Any] in
                    guard let value = record.runMetrics.first(where: { $0.run == column.run })?.values.first(where: { $0.name == column.name })?.value
                    else { return ["value": "", "sort": ""] }
                    return ["value": ReportModel.metricText(value), "sort": value.isNaN ? "" : String(value)]
                },
            ]
            if let d = record.notebook.frontMatter.description { row["description"] = d }
            if let failure = n.failure {
                row["failed"] = true
                row["status"] = failure.summary
                row["statusSort"] = "1"
                if let cell = failure.cellID { row["failureHref"] = folder + "/index.html#cell-" + URLPath.encode(cell) }
            } else {
                row["status"] = "ok"
                row["statusSort"] = "0"
            }
            if let thumb = n.thumbnail {
                row["thumb"] = ["src": thumb.path.split(separator: "/").map { URLPath.encode(String($0)) }.joined(separator: "/"),
                                "width": thumb.width, "height": thumb.height, "pixelated": thumb.pixelated, "alt": thumb.caption ?? "figure of " + record.notebook.title]
            }
            let files = n.runFiles.map { ["href": folder + "/" + $0.split(separator: "/").map { URLPath.encode(String($0)) }.joined(separator: "/"),
                                          "name": String($0.dropFirst("runs/".count))] }
            if !files.isEmpty { row["runFiles"] = files }
            return row
        }
        return [
            "css": css,
            "quireVersion": quireVersion,
            "date": date,
            "count": notebooks.count,
            "plural": notebooks.count != 1,
            "columns": columns.map { ["run": $0.run, "name": $0.name] },
            "rows": rows,
            "hasRows": !rows.isEmpty,
        ]
    }
}

/// Percent-encoding for one path segment of a relative link: everything but unreserved ASCII, so a
/// notebook or run named with `#`, `?`, `%` or a space still links to its own folder.
enum URLPath {
    static func encode(_ segment: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.remove(charactersIn: "")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
