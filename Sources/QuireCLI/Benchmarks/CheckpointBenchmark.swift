#if canImport(Glibc)
import Glibc
#endif
import Foundation
import QuireCheckpoint
import QuireTensor

/// Issue 8's checkpoint figures, measured as the Orbax peer (`w5_checkpoint.py`) measures them: 25 or 256
/// float32 tensors of 1024×1024 (100 MiB, 1 GiB) saved as one item through `CheckpointManager`
/// (synchronous: the save returns once the step is durable, files and directories fsynced), restored
/// cold (the files' pages evicted with posix_fadvise(DONTNEED) first) and warm, checksums verified.
/// Each repetition's step is deleted before the next save (as the peer does). Medians over 3 repetitions; GB/s uses 10^9 bytes. Peak extra memory is the resident high-water mark
/// (reset through /proc/self/clear_refs) minus the resident size before the repetitions.
let checkpointBenchmark = Benchmark(name: "checkpoint", summary: "checkpoint save (durable) and cold/warm restore GB/s, peak extra RSS, 100 MiB and 1 GiB f32") { r in
    let scratch = ProcessInfo.processInfo.environment["QUIRE_BENCH_SCRATCH"] ?? "/tmp/quire-bench-checkpoint"
    for (name, count) in [("100MiB", 25), ("1GiB", 256)] where r.wants(name) {
        var tensors = TensorDict()
        for i in 0..<count { tensors[String(format: "params.layer_%03d", i)] = randomTensor([1024, 1024], seed: UInt64(i + 1)) }
        let bytes = count * 1024 * 1024 * 4
        let dir = URL(fileURLWithPath: scratch).appendingPathComponent("\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(maxToKeep: 1, async: false))

        let resetOK = resetPeakRSS()
        let rss0 = procStatusKiB("VmRSS")
        var save: [Double] = [], cold: [Double] = [], warm: [Double] = []
        var equal = true
        for rep in 1...3 {
            let t0 = now()
            try manager.save(step: rep, states: ["model": CheckpointState(tensors: tensors)])
            save.append(now() - t0)
            evictPages(manager.stepDirectory(rep))
            do {
                let t1 = now()
                let restored = try manager.restore(.step(rep))
                cold.append(now() - t1)
                if rep == 1 { equal = sameBytes(restored.states["model"]!.tensors, tensors) }
            }
            let t2 = now()
            let again = try manager.restore(.step(rep))
            warm.append(now() - t2)
            blackHole(again)
            // As the peer does, each repetition's files are removed before the next save.
            try FileManager.default.removeItem(at: manager.stepDirectory(rep))
        }
        // Where the time goes: the file alone, written (hashing on the second core) without and with fsync,
        // and read back warm without checksum.
        let single = dir.appendingPathComponent("single.safetensors")
        let t3 = now()
        try Safetensors.write(tensors, to: single, sync: false)
        let writeNoSync = now() - t3
        let t4 = now()
        try Safetensors.write(tensors, to: single, sync: true)
        let writeSync = now() - t4
        let t5 = now()
        blackHole(try SafetensorsFile(url: single).tensors())
        let readNoHash = now() - t5
        let peakIncrease = resetOK ? Double(procStatusKiB("VmHWM") - rss0) / 1024 : -1
        let gb = Double(bytes) / 1e9
        let med = { (xs: [Double]) in xs.sorted()[xs.count / 2] }
        r.emit(["benchmark": "checkpoint", "case": name, "tensors": count, "bytes": bytes,
                "save_fsync_s": round(med(save), 3), "save_fsync_gbps": round(gb / med(save), 2),
                "restore_cold_s": round(med(cold), 3), "restore_cold_gbps": round(gb / med(cold), 2),
                "restore_warm_s": round(med(warm), 3), "restore_warm_gbps": round(gb / med(warm), 2),
                "peak_rss_increase_mib": round(peakIncrease, 1),
                "file_write_hash_s": round(writeNoSync, 3), "file_write_hash_fsync_s": round(writeSync, 3),
                "file_read_warm_nohash_s": round(readNoHash, 3), "roundtrip_equal": equal, "reps": 3,
                "raw_save_s": save.map { round($0, 3) }, "raw_cold_s": cold.map { round($0, 3) },
                "raw_warm_s": warm.map { round($0, 3) }])
    }
}

private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Floats in [-1, 1) written straight into the tensor's storage (no intermediate array).
private func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    Tensor(unsafeUninitializedShape: shape, dtype: .float32) { raw in
        let p = raw.bindMemory(to: Float.self)
        var s = seed
        for i in p.indices {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            p[i] = Float(Int32(truncatingIfNeeded: s >> 32)) / Float(Int32.max)
        }
    }
}

private func sameBytes(_ a: TensorDict, _ b: TensorDict) -> Bool {
    guard a.keys == b.keys else { return false }
    return a.keys.allSatisfy { k in
        a[k]!.withUnsafeRawBytes { x in b[k]!.withUnsafeRawBytes { y in x.count == y.count && memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }
}

private func evictPages(_ directory: URL) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
        let fd = open(directory.appendingPathComponent(name).path, O_RDONLY)
        guard fd >= 0 else { continue }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(fd)
    }
}

private func resetPeakRSS() -> Bool {
    guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    h.write(Data("5".utf8))
    try? h.close()
    return true
}

/// A `/proc/self/status` field in KiB (VmRSS, VmHWM), 0 when unreadable.
func procStatusKiB(_ key: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
}
