/// A parsed notebook: front matter, then prose and cells in file order.
///
/// ```swift
/// let notebook = try NotebookParser.parse(contentsOf: "notebooks/quickstart.md")
/// for cell in notebook.cells { print(cell.id, cell.lines) }
/// ```
public struct Notebook: Sendable {
    /// The path the notebook was read from.
    public var path: String
    /// The file name without `.md`: names the report folder `output/<name>/`.
    public var name: String
    public var frontMatter: FrontMatter
    /// Prose and cells, in file order.
    public var blocks: [Block]
    /// Things the parser noticed that are not errors (a ```` ```swift ```` fence nested in a list is not run).
    public var warnings: [Diagnostic] = []

    public init(path: String, name: String, frontMatter: FrontMatter, blocks: [Block]) {
        self.path = path
        self.name = name
        self.frontMatter = frontMatter
        self.blocks = blocks
    }

    /// The Swift cells, in order; `cells[i].index == i`.
    public var cells: [Cell] {
        blocks.compactMap { if case .cell(let c) = $0 { c } else { nil } }
    }

    /// The title: the front matter's, else the first level-1 heading, else the file name.
    public var title: String {
        if let t = frontMatter.title { return t }
        for case .prose(let p) in blocks { if let h = p.headings.first(where: { $0.level == 1 }) { return h.text } }
        return name
    }
}

/// One piece of a notebook.
public enum Block: Sendable {
    case prose(Prose)
    case cell(Cell)
}

/// A run of Markdown between cells, already rendered to HTML by cmark.
public struct Prose: Sendable {
    /// cmark's HTML for this prose, with `id` anchors on headings.
    public var html: String
    /// The `.md` lines it spans.
    public var lines: ClosedRange<Int>
    /// Its headings, for the table of contents.
    public var headings: [Heading]
}

/// A Markdown heading, as listed in the table of contents.
public struct Heading: Sendable, Equatable {
    public var level: Int
    public var text: String
    /// The `id` of the heading element in the report.
    public var anchor: String
}

/// A ```` ```swift ```` block: code plus its `//|` options.
public struct Cell: Sendable {
    /// 0-based position among the notebook's cells.
    public var index: Int
    /// `//| id:` when given, else `cell-<index + 1>`. Stable across runs: cache keys build on it.
    public var id: String
    /// The code without its leading option lines.
    public var code: String
    /// The `.md` line of the first line of `code`.
    public var codeLine: Int
    /// The `.md` lines of the whole fenced block, fences included.
    public var lines: ClosedRange<Int>
    public var options: CellOptions

    public init(index: Int, id: String, code: String, codeLine: Int, lines: ClosedRange<Int>, options: CellOptions) {
        self.index = index
        self.id = id
        self.code = code
        self.codeLine = codeLine
        self.lines = lines
        self.options = options
    }
}

/// The `//| key: value` options a cell may start with (Quarto style).
///
/// ```swift
/// //| id: train
/// //| timeout: 30
/// //| error: true
/// ```
public struct CellOptions: Sendable, Equatable {
    /// How a cell takes part in the cell cache: `true` (restored while its key is unchanged), `false`
    /// (always runs: clocks, external I/O), `freeze` (keeps its snapshot even when upstream changed; the
    /// report marks it stale).
    public enum CacheMode: String, Sendable { case auto = "true", off = "false", freeze }

    public var id: String?
    /// Show the code in the report.
    public var echo = true
    /// Show the output in the report.
    public var output = true
    /// A thrown error is shown and the notebook goes on.
    public var error = false
    /// Seconds after which the running cell is killed.
    public var timeout: Double?
    public var caption: String?
    public var cache: CacheMode = .auto
    /// Files the cell reads (`//| deps: data/train.csv, data/*.png`, relative to the notebook's folder):
    /// their contents are part of the cell's cache key.
    public var deps: [String] = []
    /// The `.md` line of the `deps` option.
    public var depsLine: Int?

    public init() {}

    /// The option names the parser accepts.
    public static let names = ["id", "echo", "output", "error", "timeout", "caption", "cache", "deps"]
}

/// The YAML block between `---` lines at the top of a notebook.
///
/// ```yaml
/// ---
/// title: Fitting a line
/// params:
///   lr: 0.1
///   steps: 100
/// seed: 42
/// optimize: false
/// ---
/// ```
public struct FrontMatter: Sendable {
    public var title: String?
    public var description: String?
    /// Parameters in declaration order; cells see them as typed constants.
    public var params: [Parameter] = []
    /// The notebook seed, visible to cells as `seed`.
    public var seed = 0
    /// Build the notebook program with `-O`.
    public var optimize = false
    /// `cache-size: 500MB`: the cell cache's size bound for this notebook.
    public var maxCacheBytes: Int?

    public init() {}
}

/// A notebook parameter: a name and a typed value, overridable with `quire run -P name=value`.
public struct Parameter: Sendable, Equatable {
    public var name: String
    public var value: ParameterValue
    /// The front matter line declaring it.
    public var line: Int

    public init(name: String, value: ParameterValue, line: Int) {
        self.name = name
        self.value = value
        self.line = line
    }
}

/// The value of a parameter; its case fixes the Swift type cells see.
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    /// `layers: [64, 32]` → `[Int]`: scalars of one type (`element`, the Swift type name; integers mixed
    /// with decimals make `[Double]`).
    case list([ParameterValue], element: String)
    /// `sizes: {small: 32, large: 128}` → `[String: Int]`, keys in front matter order.
    case dictionary(keys: [String], values: [ParameterValue], element: String)

    /// The Swift type name the generated constant has.
    public var swiftType: String {
        switch self {
        case .int: "Int"
        case .double: "Double"
        case .bool: "Bool"
        case .string: "String"
        case .list(_, let element): "[\(element)]"
        case .dictionary(_, _, let element): "[String: \(element)]"
        }
    }

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): String(v)
        case .string(let v): v
        case .list(let items, _): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let keys, let values, _):
            keys.isEmpty ? "[:]" : "[" + zip(keys, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
        }
    }

    /// Parses `text` as a value of the same type as `self` (for `-P` overrides); nil when it does not fit.
    /// Lists and dictionaries are written as YAML flow collections: `-P layers=[64,32]`, `-P sizes={a: 1}`.
    public func parsingOverride(_ text: String) -> ParameterValue? {
        switch self {
        case .int: Int(text).map(ParameterValue.int)
        case .double: Double(text).map(ParameterValue.double)
        case .bool: ["true": true, "false": false][text.lowercased()].map(ParameterValue.bool)
        case .string: .string(text)
        case .list, .dictionary: ParameterCollections.parse(text, as: self)
        }
    }
}
