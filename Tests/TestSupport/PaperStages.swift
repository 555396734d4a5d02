import Foundation

/// The paper's four stages recomputed from `hopscope analyze --json` per-layer fields, written
/// independently of `Analysis.Stages` as `plot_stage_boxplots` computes them from `classify_results.py`'s
/// layer lists: each list's minimum, and information propagation as the NaN-ignoring mean of three.
public struct PaperStages: Equatable, CustomStringConvertible {
    public var firstHop: Int?
    public var knockout: Int?
    public var attention: Int?
    public var patchscopeE2T2: Int?
    public var infoPropagation: Double?
    public var secondHop: Int?
    public var predictionExtracted: Int?

    public init(firstHop: Int?, knockout: Int?, attention: Int?, patchscopeE2T2: Int?, infoPropagation: Double?,
                secondHop: Int?, predictionExtracted: Int?) {
        self.firstHop = firstHop
        self.knockout = knockout
        self.attention = attention
        self.patchscopeE2T2 = patchscopeE2T2
        self.infoPropagation = infoPropagation
        self.secondHop = secondHop
        self.predictionExtracted = predictionExtracted
    }

    /// From the `layers` of an analyze JSON object.
    public init(analyzeJSON json: [String: Any]) {
        let layers = json["layers"] as? [[String: Any]] ?? []
        func layersWhere(_ test: ([String: Any]) -> Bool) -> [Int] {
            layers.filter(test).compactMap { $0["layer"] as? Int }
        }
        func decodes(_ key: String, _ entity: String) -> ([String: Any]) -> Bool {
            { ($0[key] as? [String: Any])?["decoded_any"].flatMap { $0 as? [String] }?.contains(entity) == true }
        }
        func rankZero(_ key: String) -> ([String: Any]) -> Bool { { ($0[key] as? Int) == 0 } }
        let ko = layersWhere { ($0["knockout"] as? [String: Any])?["changed"] as? Bool == true }.min()
        let att = layersWhere(rankZero("attn_e2_rank_t2")).min()
        let ps = layersWhere(decodes("patchscope_t2", "e2")).min()
        let present = [ko, att, ps].compactMap { $0 }
        self.init(firstHop: layersWhere(decodes("patchscope_t1", "e2")).min(), knockout: ko, attention: att, patchscopeE2T2: ps,
                  infoPropagation: present.isEmpty ? nil : Double(present.reduce(0, +)) / Double(present.count),
                  secondHop: layersWhere(decodes("patchscope_t2", "e3")).min(),
                  predictionExtracted: layersWhere(rankZero("mlp_prediction_rank_t2")).min())
    }

    /// From a `stages` JSON object (as `analyze --json` and sweep rows write it).
    public init(stagesJSON s: [String: Any]) {
        let parts = s["info_propagation_parts"] as? [String: Any] ?? [:]
        self.init(firstHop: s["first_hop"] as? Int, knockout: parts["knockout"] as? Int, attention: parts["attention"] as? Int,
                  patchscopeE2T2: parts["patchscope"] as? Int, infoPropagation: (s["info_propagation"] as? NSNumber)?.doubleValue,
                  secondHop: s["second_hop"] as? Int, predictionExtracted: s["prediction_extracted"] as? Int)
    }

    public var description: String {
        func v(_ x: Int?) -> String { x.map(String.init) ?? "never" }
        return "first hop \(v(firstHop)), propagation \(infoPropagation.map { String(format: "%.2f", $0) } ?? "never") "
            + "(knockout \(v(knockout)), attention \(v(attention)), e2 from t2 \(v(patchscopeE2T2))), "
            + "second hop \(v(secondHop)), prediction extracted \(v(predictionExtracted))"
    }
}
