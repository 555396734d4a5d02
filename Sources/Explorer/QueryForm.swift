// The query form (`e`, `:query`): a prompt and its entities, with proposals marked as such. Pure state.
import Analysis
import Foundation

/// The form in which a query is typed: the prompt, e1, e2, e3 and the aliases of e2 and e3.
///
/// e1 is proposed from the prompt's wording as it is typed (`QueryWording.e1(in:)`), or taken with the
/// other fields from the sample with the same prompt; e2 and e3 are proposed by the backend (the model's
/// own answers to the hop prompts) when the focus leaves the prompt or e1. A proposed value carries a
/// note ("from the prompt", "sample", "model's answer") until it is typed over, and so does the prompt
/// the form opens with ("current query": typing starts a new one, an editing key keeps it); ⏎ analyses with what
/// the form shows, so a prompt whose e1 can be proposed analyses at once. Problems (no e1 found, no
/// way to propose e2/e3) are a message inside the form, and the form stays open.
public struct QueryForm: Equatable, Sendable {
    public enum Field: Int, CaseIterable, Sendable {
        case prompt, e1, e2, e3, e2Aliases, e3Aliases
        public var label: String {
            switch self {
            case .prompt: "prompt"; case .e1: "e1"; case .e2: "e2"; case .e3: "e3"
            case .e2Aliases: "e2 also"; case .e3Aliases: "e3 also"
            }
        }
    }

    /// What the state must do after a key.
    public enum Action: Equatable, Sendable {
        case none
        case cancel
        /// Analyse this one-line query (`QueryRequest.line`).
        case submit(String)
        /// Ask the backend for proposals for this one-line query; the answer comes back with `id`.
        case propose(String, id: Int)
    }

    public private(set) var editors: [LineEditor]
    public var focus: Field = .prompt
    /// The note of each field whose value is a proposal; a field the user typed in has none.
    public private(set) var notes: [Field: String] = [:]
    /// A problem with what was typed, shown inside the form (wrapped to its width).
    public var message: String?
    /// A proposal request is out (its id).
    public private(set) var pendingProposal: Int?
    private var lastProposalID = 0
    /// The one-line query the last proposal was asked for (not asked twice).
    private var proposedFor: String?

    /// A form for `prompt`; `current` (the analysis on screen) fills the entities when it is the same prompt.
    public init(prompt: String, history: [String] = [], current: AnalysisViewModel? = nil, samples: [SampleQuery] = []) {
        editors = Field.allCases.map { _ in LineEditor() }
        editors[Field.prompt.rawValue] = LineEditor(prompt, history: history)
        // The current query is offered like a proposal: the first typed character starts a new prompt,
        // an editing key (← → Home End ⌫) keeps it to edit.
        if !prompt.isEmpty { notes[.prompt] = "current query" }
        if let a = current, a.query == prompt {
            // Marked like proposals: a new prompt replaces them, typing over them replaces them.
            set(.e1, a.e1, note: "as analysed")
            set(.e2, a.e2, note: a.e2Note ?? "as analysed")
            set(.e3, a.e3, note: a.e3Note ?? "as analysed")
        } else {
            promptChanged(samples: samples)
        }
    }

    public subscript(_ f: Field) -> LineEditor { editors[f.rawValue] }
    public func text(_ f: Field) -> String { editors[f.rawValue].text.trimmingCharacters(in: .whitespaces) }
    public func note(_ f: Field) -> String? { notes[f] }

    private mutating func set(_ f: Field, _ value: String, note: String?) {
        editors[f.rawValue].setText(value)
        notes[f] = note
    }

    private func aliases(_ f: Field) -> [String] {
        QueryRequest.names(in: text(f))
    }

    /// The query as the form shows it (empty entity fields ask for proposals).
    public var request: QueryRequest {
        QueryRequest(prompt: text(.prompt), e1: text(.e1), e2: text(.e2), e3: text(.e3),
                     e2Aliases: aliases(.e2Aliases), e3Aliases: aliases(.e3Aliases))
    }

    /// Re-proposes after the prompt changed: a sample's fields, else e1 from the wording; proposals
    /// that depended on the old prompt are dropped, typed values kept.
    mutating func promptChanged(samples: [SampleQuery]) {
        let prompt = text(.prompt)
        proposedFor = nil
        if let s = samples.first(where: { $0.query == prompt }) {
            for (f, v) in [(Field.e1, s.e1), (.e2, s.e2), (.e3, s.e3)] where notes[f] != nil || text(f).isEmpty { set(f, v, note: "sample") }
            message = nil
            return
        }
        for f in [Field.e2, .e3] where notes[f] != nil { set(f, "", note: nil) }
        if notes[.e1] != nil || text(.e1).isEmpty {
            if let e1 = QueryWording.e1(in: prompt) { set(.e1, e1, note: "from the prompt") } else { set(.e1, "", note: nil) }
        }
        message = nil
    }

    /// Applies one key.
    public mutating func handle(_ key: Key, samples: [SampleQuery]) -> Action {
        switch key {
        case .escape: return .cancel
        case .enter: return submit()
        case .tab, .backTab:
            let n = Field.allCases.count
            let leaving = focus
            focus = Field(rawValue: (focus.rawValue + (key == .tab ? 1 : n - 1)) % n)!
            return leaving == .prompt || leaving == .e1 ? proposeIfUseful() : .none
        case .up, .down, .ctrl("p"), .ctrl("n"):
            if focus == .prompt {
                let before = text(.prompt)
                editors[Field.prompt.rawValue].handle(key)
                notes[.prompt] = nil            // a prompt from the history is one to edit
                if text(.prompt) != before { promptChanged(samples: samples) }
            } else {
                let step = key == .up || key == .ctrl("p") ? -1 : 1
                focus = Field(rawValue: max(0, min(Field.allCases.count - 1, focus.rawValue + step)))!
            }
            return .none
        default:
            // Typing over a proposal replaces it; any other edit keeps it as a typed value.
            let typing: Bool = { if case .char = key { return true }; if case .paste = key { return true }; return false }()
            if notes[focus] != nil {
                if typing { editors[focus.rawValue].setText("") }
                notes[focus] = nil
            }
            let before = editors[focus.rawValue].text
            editors[focus.rawValue].handle(key)
            if focus == .prompt && editors[focus.rawValue].text != before { promptChanged(samples: samples) }
            if focus == .e1 && editors[focus.rawValue].text != before {
                for f in [Field.e2, .e3] where notes[f] == "model's answer" { set(f, "", note: nil) }
                proposedFor = nil
            }
            if message != nil && editors[focus.rawValue].text != before { message = nil }
            return .none
        }
    }

    /// Asks for e2 / e3 when one is empty and the prompt has the shape they can be proposed for.
    private mutating func proposeIfUseful() -> Action {
        let r = request
        guard let e1 = r.e1, r.e2 == nil || r.e3 == nil, QueryWording.relations(prompt: r.prompt, e1: e1) != nil else { return .none }
        let line = QueryRequest(prompt: r.prompt, e1: e1, e2: r.e2, e3: r.e3).line
        guard line != proposedFor else { return .none }
        proposedFor = line
        lastProposalID += 1
        pendingProposal = lastProposalID
        return .propose(line, id: lastProposalID)
    }

    /// ⏎: the line to analyse, or a message saying what is missing. The model's answers go back as
    /// "propose" (the backend remembers them), so the analysis keeps them marked as the model's.
    private mutating func submit() -> Action {
        var r = request
        if notes[.e2] == "model's answer" { r.e2 = nil }
        if notes[.e3] == "model's answer" { r.e3 = nil }
        guard !r.prompt.isEmpty else { message = "type a prompt first"; focus = .prompt; return .none }
        guard let e1 = r.e1 else { message = QueryWording.noE1Message; focus = .e1; return .none }
        guard r.prompt.contains(e1) else {
            message = "e1 “\(e1)” does not occur in the prompt: type it as it is written there"
            focus = .e1
            return .none
        }
        if r.e2 == nil || r.e3 == nil, QueryWording.relations(prompt: r.prompt, e1: e1) == nil {
            message = "the prompt does not read “The R2 of the R1 of \(e1) is”, so the model cannot be asked: type e2 and e3"
            focus = r.e2 == nil ? .e2 : .e3
            return .none
        }
        message = nil
        notes[.prompt] = nil
        return .submit(r.line)
    }

    /// Fills the fields a proposal covers, unless the user typed in them meanwhile.
    public mutating func apply(_ p: QueryProposal, id: Int) {
        guard id == pendingProposal else { return }
        pendingProposal = nil
        guard p.prompt == text(.prompt) else { return }
        for (f, v, n) in [(Field.e1, p.e1, p.e1Note), (.e2, p.e2, p.e2Note), (.e3, p.e3, p.e3Note)]
        where !n.isEmpty && (notes[f] != nil || text(f).isEmpty) {
            set(f, v, note: n)
        }
        if text(.e2Aliases).isEmpty && !p.e2Aliases.isEmpty { set(.e2Aliases, p.e2Aliases.joined(separator: "; "), note: "sample") }
        if text(.e3Aliases).isEmpty && !p.e3Aliases.isEmpty { set(.e3Aliases, p.e3Aliases.joined(separator: "; "), note: "sample") }
    }

    /// A proposal failed: its reason goes inside the form.
    public mutating func proposalFailed(_ why: String, id: Int) {
        guard id == pendingProposal else { return }
        pendingProposal = nil
        message = why
    }

    /// The prompt's history after ⏎ (for the next form).
    public mutating func commitPrompt() -> [String] {
        _ = editors[Field.prompt.rawValue].commit()
        return editors[Field.prompt.rawValue].history
    }
}
