import Model
import Testing

/// The vectorized argmax picks what the plain scan picks: the first maximum, never a NaN.
@Suite struct ArgmaxTests {
    @Test func agreesWithTheScan() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for trial in 0..<300 {
            let n = [1, 15, 63, 64, 65, 100, 1000, 49152][trial % 8]
            // Few distinct values, so ties are common; some NaNs and infinities.
            var v = (0..<n).map { _ in Float(Int(next() % 7) - 3) }
            if trial % 3 == 0 { for _ in 0..<(n / 10 + 1) { v[Int(next()) % n] = .nan } }
            if trial % 5 == 0 { v[Int(next()) % n] = .infinity }
            if trial % 7 == 0 { v = v.map { $0.isNaN ? $0 : -.infinity } }
            if trial % 11 == 0 { v = [Float](repeating: .nan, count: n) }
            let fast = v.withUnsafeBufferPointer { argmax($0) }
            let scan = v.withUnsafeBufferPointer { argmaxScan($0) }
            #expect(fast == scan, "n \(n), trial \(trial)")
        }
    }
}
