import Foundation
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

/// softmaxStanding against a float64 softmax and a plain count.
@Suite struct SoftmaxStandingTests {
    @Test func matchesFloat64() {
        var state: UInt64 = 99
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for n in [1, 17, 1000, 49152] {
            let v = (0..<n).map { _ in Float(next() * 30 - 15) }
            for token in [0, n / 2, n - 1] {
                let (p, rank) = v.withUnsafeBufferPointer { softmaxStanding($0, token: token) }
                let m = Double(v.max()!)
                let s = v.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
                let exact = Foundation.exp(Double(v[token]) - m) / s
                // e^x within 4 ulp per term, double accumulation, one final rounding: 1e-6 relative.
                #expect(abs(Double(p) - exact) <= 1e-6 * exact, "n \(n) token \(token): \(p) vs \(exact)")
                #expect(rank == 1 + v.filter { $0 > v[token] }.count)
            }
        }
    }
}
