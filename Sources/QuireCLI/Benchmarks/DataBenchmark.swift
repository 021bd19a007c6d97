import Foundation
import QuireData
import QuireTensor

/// Issue 9's pipeline workload, as the Grain peer (`w6_data.py`) runs it: 1,000,000 records of 64
/// float32 features and an int32 label, global shuffle (seed 0) → normalize `(x - 0.5) / 0.25` → batch
/// 128 (remainder kept), one epoch, records/s with 0 and 2 worker threads. The normalize runs on whole
/// batches (`mapBatched`); `per_record_map` times the same epoch's first 100,000 records with the
/// general per-record `map` for comparison. Every run checks that each record was seen exactly once
/// (count and label sum). The records are in memory (`ArraySource`); Grain's are memory-mapped .npy
/// files in a warm page cache.
let dataBenchmark = Benchmark(name: "data", summary: "1M records (64 f32 + label): shuffle → normalize → batch(128), records/s with 0 and 2 workers") { r in
    let n = 1_000_000, dim = 64
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    let x = Tensor((0..<(n * dim)).map { _ in Float(next() & 0xFFFFFF) / Float(1 << 24) }, shape: [n, dim])
    let labels = (0..<n).map { _ in Int32(next() % 10) }
    let labelSum = labels.reduce(0) { $0 + Int($1) }
    let source = try ArraySource(["x": x, "y": Tensor(labels, shape: [n])])

    func epoch(_ ds: MapDataset, workers: Int, limit: Int? = nil) throws -> (seconds: Double, records: Int, sum: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let it = ds.iterator(workers: workers, buffer: 16)
        var records = 0, sum = 0
        while let b = try it.nextElement() {
            let y = b["y"]!
            records += y.shape[0]
            y.withUnsafeBufferPointer(as: Int32.self) { for v in $0 { sum += Int(v) } }
            precondition(b["x"]!.shape == [y.shape[0], dim] && b["x"]!.dtype == .float32)
            if let limit, records >= limit { break }
        }
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, records, sum)
    }

    let normalized = MapDataset(source).shuffle(seed: 0)
        .mapBatched { b in ["x": (b["x"]! - 0.5) / 0.25, "y": b["y"]!] }
        .batch(128)
    for workers in [0, 2] where r.wants("epoch_\(workers)workers") {
        var times: [Double] = []
        for _ in 0..<5 {
            let e = try epoch(normalized, workers: workers)
            guard e.records == n && e.sum == labelSum else {
                throw DataError("data bench: saw \(e.records) records (label sum \(e.sum)), expected \(n) (\(labelSum))")
            }
            times.append(e.seconds)
        }
        times.sort()
        r.emit(["benchmark": "data", "case": "epoch_\(workers)workers", "records": n, "batch": 128, "workers": workers,
                "records_per_s": round(Double(n) / times[2], 0), "best_records_per_s": round(Double(n) / times[0], 0),
                "median_s": round(times[2], 4), "reps": times.count, "all_records_once": true])
    }
    if r.wants("per_record_map") {
        let general = MapDataset(source).shuffle(seed: 0)
            .map { rec in ["x": (rec["x"]! - 0.5) / 0.25, "y": rec["y"]!] }
            .batch(128)
        let e = try epoch(general, workers: 0, limit: 100_000)
        r.emit(["benchmark": "data", "case": "per_record_map_0workers", "records": e.records, "batch": 128, "workers": 0,
                "records_per_s": round(Double(e.records) / e.seconds, 0), "seconds": round(e.seconds, 3)])
    }
}
