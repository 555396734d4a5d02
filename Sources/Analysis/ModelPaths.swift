import Foundation

/// Where a command finds its model: one rule shared by every command and the explorer.
public enum ModelPaths {
    /// The default model's file name inside `$HOPSCOPE_HOME/models`.
    public static let defaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// `$HOPSCOPE_HOME`, else `~/.cache/hopscope`.
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOPSCOPE_HOME"], !h.isEmpty { return h }
        return NSHomeDirectory() + "/.cache/hopscope"
    }

    /// The model path: the `--model` option, else `$HOPSCOPE_MODEL`, else the default model in `home`.
    public static func resolve(_ option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = ProcessInfo.processInfo.environment["HOPSCOPE_MODEL"], !env.isEmpty { return env }
        return home + "/models/" + defaultModelFile
    }
}
