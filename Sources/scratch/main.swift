import Model
import Analysis
import Foundation
import COpenBLAS
let m = try! LanguageModel(path: CommandLine.arguments[1])
let ids: [Int32] = [504,9850,282,260,1798,282,5062,282,25399,6384,314]
let (_, base) = try! m.run(ids)
let n = 435
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
let caches = (0..<n).map { _ in KVCache(sharing: base, length: 11, capacity: 4) }
let rows = (0..<n).map { BatchRow(sequence: $0, position: 11) }
var t = Date(); var c = cpu()
_ = m.transformer.forward(rows: rows, input: .tokens(Array(repeating: 504, count: n)), caches: caches, logits: .all)
print("forward 435 rows wall", Date().timeIntervalSince(t), "cpu", cpu() - c)
// pure sgemm equivalent: 2*n*134M flops
let A = [Float](repeating: 0.01, count: n * 576), B = [Float](repeating: 0.01, count: 1536 * 576)
var C = [Float](repeating: 0, count: n * 1536)
t = Date(); c = cpu()
for _ in 0..<90 { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), 1536, 576, 1, A, 576, B, 576, 0, &C, 1536) }
let w = Date().timeIntervalSince(t)
print("90 sgemm 435x576x1536 wall", w, "cpu", cpu() - c, "GFLOP/s", 90 * 2 * Double(n) * 576 * 1536 / w / 1e9)
