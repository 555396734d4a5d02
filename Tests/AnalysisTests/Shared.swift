import Analysis
import Foundation
import Model
import TestSupport

/// The default model, loaded once for every test in the target.
enum Shared {
    static let available = TestModels.available(TestModels.smollm2)
    static let loaded = LoadedModel(TestModels.smollm2)
    nonisolated(unsafe) static let model: LanguageModel? = available ? try? loaded.get() : nil

    static let toyota = TwoHopQuery(id: "toyota-currency", e1: "Toyota", r1: "country of origin", e2: "Japan",
                                    r2: "currency", e3: "yen", e3Aliases: ["JPY", "¥"])

    /// The Toyota analysis, computed once (it takes a few seconds).
    nonisolated(unsafe) static let toyotaAnalysis: QueryAnalysis? = {
        guard let model else { return nil }
        let t = Date()
        let a = try? Analyzer(model: model).run(toyota)
        FileHandle.standardError.write("analyze(Toyota): \(Date().timeIntervalSince(t)) s\n".data(using: .utf8)!)
        return a
    }()
}

extension PaperStages {
    /// The same numbers as hopscope's own `Stages`, for comparing with the independent recomputation.
    init(_ s: Stages) {
        self.init(firstHop: s.firstHop, knockout: s.infoPropagationParts.knockout, attention: s.infoPropagationParts.attention,
                  patchscopeE2T2: s.infoPropagationParts.patchscope, infoPropagation: s.infoPropagation,
                  secondHop: s.secondHop, predictionExtracted: s.predictionExtracted)
    }
}
