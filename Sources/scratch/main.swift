import Model
import Foundation
let t0 = Date()
let m = try! LanguageModel(path: CommandLine.arguments[1])
print("load", Date().timeIntervalSince(t0))
let ids: [Int32] = CommandLine.arguments[2].split(separator: ",").map { Int32($0)! }
let t1 = Date()
let gen = try! m.generate(ids, maxTokens: 10)
print("gen", Date().timeIntervalSince(t1))
print(ids.map { m.tokenizer.piece($0) }.joined(), "→", gen.map { m.tokenizer.piece($0) }.joined())
let lg = try! m.nextLogits(ids)
let top = lg.enumerated().sorted { $0.element > $1.element }.prefix(5)
print(top.map { "\(m.tokenizer.piece(Int32($0.offset)))=\($0.element)" })
