// Whether the explorer captures the mouse: a flag, else the environment, else on.
import Foundation

/// Decides mouse capture: `--mouse` / `--no-mouse` win, then `HOPSCOPE_MOUSE=1|0`, else on.
///
/// Capture is on by default because clicking a layer or a cell is the quickest way around the screen;
/// while it is on, the terminal's own text selection needs Shift (Option in iTerm2), and `--no-mouse`
/// gives plain selection back for copying numbers over SSH.
///
/// ```
/// MouseSetting.resolve(flag: nil, environment: ["HOPSCOPE_MOUSE": "0"])   // false
/// ```
public enum MouseSetting {
    public static func resolve(flag: Bool?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let flag { return flag }
        switch environment["HOPSCOPE_MOUSE"]?.lowercased() {
        case "0", "off", "no", "false": return false
        default: return true
        }
    }
}
