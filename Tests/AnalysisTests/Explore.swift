import Analysis
import Foundation
import Model
import Testing

// TEMPORARY exploration (not a test): Patchscope target prompts on the Toyota query.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HOPSCOPE_EXPLORE"] != nil))
struct Explore {
    @Test func targetPrompts() throws {
        let model = Shared.model!
        let q = Shared.toyota
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        let acts = try Activations(model: model, ids: t.ids, sublayers: false)
        let L = model.config.layers
        let prompts = [
            Patchscope.defaultTargetPrompt,
            "Syria: Syria is a country in the Middle East, Leonardo DiCaprio: Leonardo DiCaprio is an American actor, Samsung: Samsung is a South Korean multinational corporation, x",
        ]
        for prompt in prompts {
            let scope = try Patchscope(model: model, targetPrompt: prompt)
            var cells: [(source: Int, target: Int)] = []
            for s in 0..<L { for tt in [0, 2, 4, 8] where tt <= s { cells.append((s, tt)) } }
            let t0 = Date()
            let out = try scope.run(source: acts, position: t.t1, cells: cells, entities: [q.e1Answer, q.e2Answer, q.e3Answer])
            var log = "prompt \(prompt.prefix(30)) \(Date().timeIntervalSince(t0)) s\n"
            for c in out where c.decoded != .e1 { log += "  (\(c.source),\(c.target)) \(c.decoded) \(c.generation.debugDescription)\n" }
            let e1count = out.filter { $0.decoded == .e1 }.count
            log += "  e1 decoded in \(e1count)/\(out.count)\n"
            FileHandle.standardError.write(log.data(using: .utf8)!)
        }
    }
}
