import Foundation
import Testing
@testable import Explorer

@Suite struct ThemeTests {
    static let themesDir = Fixture.packageRoot.appendingPathComponent("themes").path

    // MARK: the shipped themes

    @Test(arguments: ["dark", "light", "high-contrast", "monochrome"])
    func shippedThemeLoadsWithoutWarning(name: String) {
        let (theme, warning) = ThemeLoader.load(name, searchPath: [Self.themesDir])
        #expect(warning == nil)
        #expect(theme.name == name)
        #expect(Set(theme.styles.keys) == Set(Role.allCases), "every role is styled")
    }

    @Test func darkFileMatchesTheBuiltInDefault() throws {
        let text = try String(contentsOfFile: Self.themesDir + "/dark.toml", encoding: .utf8)
        #expect(try ThemeLoader.parse(text, file: "dark.toml") == Theme.dark)
    }

    @Test func bridgeAndAnswerDifferInEveryColourTheme() {
        for name in ["dark", "light", "high-contrast"] {
            let t = ThemeLoader.load(name, searchPath: [Self.themesDir]).0
            #expect(t.style(.bridge).fg != t.style(.answer).fg, "\(name)")
        }
    }

    @Test func roleSpecParsesAllDepths() throws {
        let t = try ThemeLoader.parse("""
        [roles]
        bridge = { rgb = "#5fd7ff", c256 = 81, c8 = "cyan", bold = true, bg = { c8 = "black" } }
        """, file: "t.toml")
        let s = t.style(.bridge)
        #expect(s.fg == ColorSpec(rgb: (0x5f, 0xd7, 0xff), c256: 81, c8: .cyan))
        #expect(s.bg == ColorSpec(c8: .black))
        #expect(s.bold)
        #expect(t.style(.answer) == Theme.dark.style(.answer), "missing roles fall back to dark")
    }

    // MARK: bad theme files

    @Test func syntaxErrorNamesFileAndLine() {
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\nbridge = { rgb = \n", file: "bad.toml") }
        do { _ = try ThemeLoader.parse("name = \"x\"\n[roles]\nbridge = { rgb = \n", file: "bad.toml") } catch {
            #expect(error.file == "bad.toml")
            #expect(error.line == 3)
        }
    }

    @Test func badValueNamesKeyAndLine() {
        let src = "name = \"x\"\n[roles]\ntext = { c256 = 12 }\nbridge = { rgb = \"#12345\" }\n"
        do { _ = try ThemeLoader.parse(src, file: "bad.toml"); Issue.record("expected an error") } catch {
            #expect(error.key == "roles.bridge.rgb")
            #expect(error.line == 4)
            #expect(error.description.contains("bad.toml, line 4, key 'roles.bridge.rgb'"))
        }
    }

    @Test func unknownRoleAndFieldAndColourAreRejected() {
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\nbrige = { c8 = \"red\" }\n", file: "f") }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\ntext = { colour = \"red\" }\n", file: "f") }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\ntext = { c8 = \"purple\" }\n", file: "f") }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\ntext = { c256 = 300 }\n", file: "f") }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("[roles]\ntext = { bold = \"yes\" }\n", file: "f") }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse("name = \"no roles\"\n", file: "f") }
    }

    @Test func badFileFallsBackToDefaultWithWarning() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hs-theme-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("broken.toml").path
        try "[roles]\nanswer = { c8 = \"orange\" }\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (theme, warning) = ThemeLoader.load("broken", searchPath: [dir.path])
        #expect(theme == Theme.dark)
        let w = try #require(warning)
        #expect(w.contains(file))
        #expect(w.contains("line 2"))
        #expect(w.contains("roles.answer.c8"))
        #expect(w.contains("default theme"))
    }

    @Test func missingThemeFallsBackWithWarning() {
        let (theme, warning) = ThemeLoader.load("nonexistent", searchPath: ["/nonexistent"])
        #expect(theme == Theme.dark)
        #expect(warning?.contains("not found") == true)
    }

    // MARK: colour modes

    @Test func colourModeDetection() {
        #expect(ColorMode.detect(environment: ["COLORTERM": "truecolor"], colors: 256, canChangeColor: true) == .truecolor)
        #expect(ColorMode.detect(environment: ["COLORTERM": "24bit"], colors: 256, canChangeColor: true) == .truecolor)
        #expect(ColorMode.detect(environment: ["COLORTERM": "truecolor"], colors: 256, canChangeColor: false) == .c256)
        #expect(ColorMode.detect(environment: [:], colors: 256, canChangeColor: true) == .c256)
        #expect(ColorMode.detect(environment: [:], colors: 8, canChangeColor: false) == .c8)
        #expect(ColorMode.detect(environment: [:], colors: 0, canChangeColor: false) == .mono)
        #expect(ColorMode.detect(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], colors: 256, canChangeColor: true) == .mono)
        #expect(ColorMode.detect(environment: ["NO_COLOR": ""], colors: 256, canChangeColor: true) == .mono)
    }

    @Test func colourFallbacks() {
        let full = ColorSpec(rgb: (0x5f, 0xd7, 0xff), c256: 81, c8: .cyan)
        #expect(full.resolved(.c256) == 81)
        #expect(full.resolved(.c8) == BasicColor.cyan.index)
        #expect(full.resolved(.mono) == -1)
        let rgbOnly = ColorSpec(rgb: (0xff, 0x00, 0x00))
        #expect(rgbOnly.resolved(.c256) == 196)
        #expect(rgbOnly.resolved(.c8) == BasicColor.red.index)
        #expect(ColorSpec(rgb: (0x80, 0x80, 0x80)).resolved(.c256) == 244)
    }

    @Test func recordingUsesTheSameColoursAsTheScreen() {
        let bridge = Theme.dark.style(.bridge)
        #expect(Terminal.sgr(bridge, mode: .c256) == "\u{1b}[0;1;38;5;81m")
        #expect(Terminal.sgr(bridge, mode: .c8) == "\u{1b}[0;1;36m")
        #expect(Terminal.sgr(bridge, mode: .truecolor) == "\u{1b}[0;1;38;2;95;215;255m")
        #expect(Terminal.sgr(bridge, mode: .mono) == "\u{1b}[0;1m")
        #expect(Terminal.sgr(Theme.dark.style(.cursor), mode: .c256) == "\u{1b}[0;38;5;16;48;5;110m")
    }

    @Test func monochromeKeepsMeaningWithAttributes() {
        #expect(Theme.monochromeStyle(.bridge).bold)
        #expect(Theme.monochromeStyle(.answer).underline)
        #expect(Theme.monochromeStyle(.cursor).reverse)
        #expect(Theme.monochromeStyle(.bridge) != Theme.monochromeStyle(.answer))
    }
}
