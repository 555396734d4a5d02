// Themes: UI roles → colours, with 256- and 8-colour fallbacks, loaded from TOML.
import Foundation
import TOMLKit

/// How many colours the terminal can show; decides which part of a ColorSpec is used.
public enum ColorMode: String, Sendable, CaseIterable {
    case truecolor, c256, c8, mono

    /// Picks the richest mode the terminal supports.
    ///
    /// `NO_COLOR` (any value) forces monochrome; `COLORTERM=truecolor|24bit` together with a
    /// terminal that can redefine colours gives truecolor; otherwise `colors` decides.
    public static func detect(environment env: [String: String], colors: Int, canChangeColor: Bool) -> ColorMode {
        if env["NO_COLOR"] != nil { return .mono }
        let ct = env["COLORTERM"]?.lowercased() ?? ""
        if (ct == "truecolor" || ct == "24bit") && canChangeColor && colors >= 256 { return .truecolor }
        if colors >= 256 { return .c256 }
        if colors >= 8 { return .c8 }
        return .mono
    }
}

/// The eight basic curses colours.
public enum BasicColor: String, Sendable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
    public var index: Int { BasicColor.allCases.firstIndex(of: self)! }
}

/// One colour at three depths: `#rrggbb`, a 256-colour index, and a basic colour.
public struct ColorSpec: Equatable, Sendable {
    public var rgb: (r: UInt8, g: UInt8, b: UInt8)?
    public var c256: Int?
    public var c8: BasicColor?
    public init(rgb: (UInt8, UInt8, UInt8)? = nil, c256: Int? = nil, c8: BasicColor? = nil) {
        self.rgb = rgb.map { (r: $0.0, g: $0.1, b: $0.2) }; self.c256 = c256; self.c8 = c8
    }
    public static func == (a: ColorSpec, b: ColorSpec) -> Bool {
        a.c256 == b.c256 && a.c8 == b.c8 && a.rgb?.r == b.rgb?.r && a.rgb?.g == b.rgb?.g && a.rgb?.b == b.rgb?.b
    }
}

/// How one role looks: colours (nil = terminal default) and attributes.
public struct RoleStyle: Equatable, Sendable {
    public var fg: ColorSpec?
    public var bg: ColorSpec?
    public var bold = false, dim = false, underline = false, reverse = false, italic = false
    public init(fg: ColorSpec? = nil, bg: ColorSpec? = nil, bold: Bool = false, dim: Bool = false,
                underline: Bool = false, reverse: Bool = false, italic: Bool = false) {
        self.fg = fg; self.bg = bg; self.bold = bold; self.dim = dim
        self.underline = underline; self.reverse = reverse; self.italic = italic
    }
}

/// A named set of role styles. Roles a theme leaves out fall back to the built-in dark theme.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [Role: RoleStyle]
    public init(name: String, styles: [Role: RoleStyle]) { self.name = name; self.styles = styles }

    public func style(_ role: Role) -> RoleStyle { styles[role] ?? Theme.dark.styles[role] ?? RoleStyle() }

    /// How `role` looks with colour stripped: attributes only, chosen so the meaning survives
    /// (bridge bold, answer bold+underline, cursor/selection reversed).
    public static func monochromeStyle(_ role: Role) -> RoleStyle {
        switch role {
        case .header, .title, .key: return RoleStyle(bold: true)
        case .bridge: return RoleStyle(bold: true)
        case .answer: return RoleStyle(bold: true, underline: true)
        case .correct: return RoleStyle(bold: true)
        case .wrong, .dim, .border: return RoleStyle(dim: true)
        case .cursor, .selection, .status: return RoleStyle(reverse: true)
        case .stage, .warning: return RoleStyle(bold: true, reverse: false)
        case .text, .bar: return RoleStyle()
        }
    }

    /// The default theme, built in so the explorer works without any files. themes/dark.toml is its copy on disk.
    public static let dark: Theme = try! ThemeLoader.parse(darkTOML, file: "<built-in dark>")

    static let darkTOML = """
    # hopscope dark theme (the default). Each role: rgb "#rrggbb", c256 index, c8 basic colour,
    # optional bg = { rgb, c256, c8 }, and attributes bold / dim / underline / reverse / italic.
    name = "dark"

    [roles]
    text      = { rgb = "#d0d0d0", c256 = 252, c8 = "white" }
    dim       = { rgb = "#6c6c6c", c256 = 242, c8 = "white", dim = true }
    header    = { rgb = "#ffffff", c256 = 231, c8 = "white", bold = true }
    title     = { rgb = "#ffd75f", c256 = 221, c8 = "yellow", bold = true }
    border    = { rgb = "#4e4e4e", c256 = 239, c8 = "blue" }
    bridge    = { rgb = "#5fd7ff", c256 = 81, c8 = "cyan", bold = true }
    answer    = { rgb = "#ffaf5f", c256 = 215, c8 = "yellow", bold = true }
    correct   = { rgb = "#87d75f", c256 = 113, c8 = "green", bold = true }
    wrong     = { rgb = "#ff5f5f", c256 = 203, c8 = "red" }
    cursor    = { rgb = "#000000", c256 = 16, c8 = "black", bg = { rgb = "#87afd7", c256 = 110, c8 = "cyan" } }
    selection = { rgb = "#ffffff", c256 = 231, c8 = "white", bg = { rgb = "#303a4a", c256 = 237, c8 = "blue" } }
    bar       = { rgb = "#87afd7", c256 = 110, c8 = "blue" }
    stage     = { rgb = "#d787ff", c256 = 177, c8 = "magenta", bold = true }
    status    = { rgb = "#d0d0d0", c256 = 252, c8 = "white", bg = { rgb = "#262626", c256 = 235, c8 = "black" } }
    key       = { rgb = "#ffd75f", c256 = 221, c8 = "yellow", bold = true }
    warning   = { rgb = "#ffd700", c256 = 220, c8 = "yellow", bold = true }
    """
}

/// A problem found in a theme file: which file, which key, and the line when known.
public struct ThemeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String
    public var description: String {
        var s = "theme \(file)"
        if let line { s += ", line \(line)" }
        if let key { s += ", key '\(key)'" }
        return s + ": \(message)"
    }
}

/// Reads themes from TOML and finds them by name on disk.
public enum ThemeLoader {
    /// Parses a theme document; `file` names it in errors.
    public static func parse(_ source: String, file: String) throws(ThemeError) -> Theme {
        let table: TOMLTable
        do { table = try TOMLTable(string: source) } catch let e as TOMLParseError {
            throw ThemeError(file: file, line: e.source.begin.line, key: nil, message: e.description)
        } catch {
            throw ThemeError(file: file, line: nil, key: nil, message: "\(error)")
        }
        func fail(_ key: String, _ msg: String) -> ThemeError {
            ThemeError(file: file, line: lineOf(key: key, in: source), key: key, message: msg)
        }
        let name = table["name"]?.string ?? (file as NSString).lastPathComponent.replacingOccurrences(of: ".toml", with: "")
        guard let roles = table["roles"]?.table else { throw fail("roles", "missing [roles] table") }
        var styles: [Role: RoleStyle] = [:]
        for key in roles.keys {
            guard let role = Role(rawValue: key) else {
                throw fail("roles.\(key)", "unknown role (known: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let t = roles[key]?.table else { throw fail("roles.\(key)", "expected an inline table { rgb = …, c256 = …, c8 = … }") }
            var st = RoleStyle()
            st.fg = try color(t, path: "roles.\(key)", fail: fail)
            if let bgv = t["bg"] {
                guard let bt = bgv.table else { throw fail("roles.\(key).bg", "expected an inline table") }
                st.bg = try color(bt, path: "roles.\(key).bg", fail: fail)
            }
            for attr in ["bold", "dim", "underline", "reverse", "italic"] {
                guard let v = t[attr] else { continue }
                guard let b = v.bool else { throw fail("roles.\(key).\(attr)", "expected true or false") }
                switch attr {
                case "bold": st.bold = b
                case "dim": st.dim = b
                case "underline": st.underline = b
                case "reverse": st.reverse = b
                default: st.italic = b
                }
            }
            let known: Set = ["rgb", "c256", "c8", "bg", "bold", "dim", "underline", "reverse", "italic"]
            if let bad = t.keys.first(where: { !known.contains($0) }) {
                throw fail("roles.\(key).\(bad)", "unknown field (known: rgb, c256, c8, bg, bold, dim, underline, reverse, italic)")
            }
            styles[role] = st
        }
        return Theme(name: name, styles: styles)
    }

    private static func color(_ t: TOMLTable, path: String, fail: (String, String) -> ThemeError) throws(ThemeError) -> ColorSpec? {
        var spec = ColorSpec()
        var any = false
        if let v = t["rgb"] {
            guard let s = v.string, let rgb = parseHex(s) else { throw fail("\(path).rgb", "expected \"#rrggbb\"") }
            spec.rgb = rgb; any = true
        }
        if let v = t["c256"] {
            guard let i = v.int, (0...255).contains(i) else { throw fail("\(path).c256", "expected an integer 0…255") }
            spec.c256 = i; any = true
        }
        if let v = t["c8"] {
            guard let s = v.string, let c = BasicColor(rawValue: s.lowercased()) else {
                throw fail("\(path).c8", "expected one of \(BasicColor.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            spec.c8 = c; any = true
        }
        return any ? spec : nil
    }

    static func parseHex(_ s: String) -> (r: UInt8, g: UInt8, b: UInt8)? {
        guard s.count == 7, s.first == "#", let v = UInt32(s.dropFirst(), radix: 16) else { return nil }
        return (UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff))
    }

    /// The 1-based line where a dotted key's last component is assigned, found textually
    /// (the TOML parser reports lines only for syntax errors).
    static func lineOf(key: String, in source: String) -> Int? {
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count >= 2 else {
            return source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(key) }.map { $0 + 1 }
        }
        let roleName = parts[1]
        let field = parts.count > 2 ? parts.last! : nil
        for (i, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.trimmingCharacters(in: .whitespaces)
            guard l.hasPrefix(roleName), l.dropFirst(roleName.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") else { continue }
            if let field, !l.contains(field) { continue }
            return i + 1
        }
        return nil
    }

    /// Directories searched for `NAME.toml`: $HOPSCOPE_THEMES, ./themes, and the package's themes/
    /// next to a `.build/<config>/hopscope` binary, and `<prefix>/share/hopscope/themes`.
    public static func searchPath(environment env: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs: [String] = []
        if let d = env["HOPSCOPE_THEMES"] { dirs.append(d) }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(exe.appendingPathComponent("../../../themes").standardized.path)   // .build/x86_64…/debug
        dirs.append(exe.appendingPathComponent("../../themes").standardized.path)      // .build/debug
        dirs.append(exe.appendingPathComponent("../share/hopscope/themes").standardized.path)
        return dirs
    }

    /// Finds and loads a theme by name or path. Failure never stops the explorer: it returns
    /// the built-in dark theme together with a warning naming the file, line and key.
    public static func load(_ nameOrPath: String, searchPath: [String] = searchPath()) -> (Theme, warning: String?) {
        var candidates: [String] = []
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") { candidates.append(nameOrPath) }
        else { candidates += searchPath.map { "\($0)/\(nameOrPath).toml" } }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            if nameOrPath == "dark" { return (.dark, nil) }
            return (.dark, "theme '\(nameOrPath)' not found (looked in \(searchPath.joined(separator: ", "))); using the default theme")
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return (.dark, "theme \(file): cannot read the file as UTF-8; using the default theme")
        }
        do { return (try parse(text, file: file), nil) } catch {
            return (.dark, "\(error.description); using the default theme")
        }
    }
}
