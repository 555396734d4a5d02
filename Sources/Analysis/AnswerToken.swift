import Model

/// The first token of an answer as the model would write it after `prompt` (DESIGN §6).
///
/// Tokenizes `prompt + " " + label` and takes the first token after the prompt's own tokens, so the
/// answer keeps its leading space (" Berlin") and merges the way a continuation would. When the prompt's
/// tokens are not a prefix of the joint tokenization (a merge across the boundary), falls back to the
/// first token of `" " + label` tokenized alone.
public func answerFirstToken(_ label: String, after prompt: String, model: LanguageModel) throws(AnalysisError) -> Int32 {
    let trimmed = label.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw .emptyEntity("answer") }
    let promptIds = model.encode(prompt)
    let joint = model.encode(prompt + " " + trimmed)
    if joint.count > promptIds.count, Array(joint.prefix(promptIds.count)) == promptIds {
        return joint[promptIds.count]
    }
    guard let alone = model.encode(" " + trimmed, addSpecial: false).first else { throw .emptyEntity("answer") }
    return alone
}

import Foundation
