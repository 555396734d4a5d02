// The one place that talks to curses: start/stop, keys, colours, and diff-drawing CellGrids.
import CNCursesW
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Process-wide terminal state, needed by signal handlers and atexit (which cannot capture context).
nonisolated(unsafe) private var savedTermios = termios()
nonisolated(unsafe) private var haveSavedTermios = false
nonisolated(unsafe) private var cursesActive = false
nonisolated(unsafe) private var mouseActive = false

/// The escapes that turn on mouse reporting (button presses and the wheel) with SGR coordinates,
/// which have no 223-column limit; curses turns on the terminfo's own protocol as well.
let mouseOnEscape = "\u{1b}[?1000h\u{1b}[?1006h"
let mouseOffEscape = "\u{1b}[?1006l\u{1b}[?1000l"

/// Ends curses and puts the tty back as it was before the explorer started. Idempotent.
private func restoreTerminal() {
    if cursesActive {
        cursesActive = false
        // Leave bracketed-paste mode, which curses does not know about, and mouse reporting.
        _ = write(STDOUT_FILENO, "\u{1b}[?2004l", 8)
        if mouseActive { mouseActive = false; _ = mouseOffEscape.withCString { write(STDOUT_FILENO, $0, strlen($0)) } }
        endwin()
    }
    if haveSavedTermios { _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedTermios) }
}

private func fatalSignal(_ sig: Int32) {
    restoreTerminal()
    signal(sig, SIG_DFL)
    raise(sig)
}

/// The codeset of the current locale decides between Unicode and ASCII drawing.
public func glyphsForCodeset(_ codeset: String) -> Glyphs {
    let c = codeset.uppercased().replacingOccurrences(of: "-", with: "")
    return c == "UTF8" ? .unicode : .ascii
}

/// Errors starting the terminal.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// A curses screen: start it, read keys, draw frames, stop it. One per process.
///
/// The tty is restored on `stop()`, on deinit, at exit, and on SIGINT / SIGTERM / SIGHUP / SIGQUIT.
public final class Terminal {
    public private(set) var colorMode: ColorMode = .mono
    public let glyphs: Glyphs
    private var previous: CellGrid?
    private var attrs: [Role: (attr: attr_t, pair: Int16)] = [:]
    /// The same styles as ANSI SGR sequences, for the recording.
    private var sgr: [Role: String] = [:]
    private var outFile: UnsafeMutablePointer<FILE>?
    private var screen: OpaquePointer?
    /// The headless screen's input (/dev/null); nil on the terminal.
    private var inFile: UnsafeMutablePointer<FILE>?
    private let recorder: CastRecorder?
    /// Mouse reports are asked for and read.
    public private(set) var mouse = false

    /// Starts curses on the controlling terminal. `recorder` receives every byte written; with `mouse`,
    /// clicks and the wheel are reported (and the terminal's own text selection needs Shift).
    public init(recorder: CastRecorder? = nil, mouse: Bool = false, environment env: [String: String] = ProcessInfo.processInfo.environment) throws {
        setlocale(LC_ALL, "")
        glyphs = glyphsForCodeset(String(cString: nl_langinfo(nl_item(CODESET))))
        self.recorder = recorder
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the explorer needs a terminal (stdin and stdout must be a tty)")
        }
        if tcgetattr(STDIN_FILENO, &savedTermios) == 0 { haveSavedTermios = true }
        atexit { restoreTerminal() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { signal(sig) { fatalSignal($0) } }

        outFile = fdopen(dup(STDOUT_FILENO), "w")
        screen = newterm(nil, outFile, hs_stdin())
        guard screen != nil else {
            throw TerminalError(description: "cannot start curses for TERM=\(env["TERM"] ?? "(unset)")")
        }
        cursesActive = true
        configure(environment: env)
        if mouse {
            // Presses are reported at once (no click resolution delay); SGR coordinates reach column 250.
            mouseinterval(0)
            mousemask(hs_mouse_mask(), nil)
            mouseActive = true
            self.mouse = true
            _ = mouseOnEscape.withCString { fputs($0, outFile) }
        }
        // Bracketed paste: pasted text arrives between ESC[200~ and ESC[201~.
        _ = "\u{1b}[?2004h".withCString { fputs($0, outFile) }
        fflush(outFile)
        recorder?.resize(cols: Int(hs_cols()), rows: Int(hs_lines()))
    }

    /// A curses screen of `rows` × `cols` that writes to the file descriptor `output` (a regular file)
    /// instead of the terminal, for `hopscope bench --ui`: the same drawing and diffing, no tty, no signals.
    public init(headlessOutput output: Int32, rows: Int, cols: Int, term: String = "xterm-256color",
                environment env: [String: String] = ProcessInfo.processInfo.environment) throws {
        // The locale is the caller's (a test process must not have it changed under it).
        glyphs = glyphsForCodeset(String(cString: nl_langinfo(nl_item(CODESET))))
        recorder = nil
        outFile = fdopen(dup(output), "w")
        inFile = fopen("/dev/null", "r")
        screen = term.withCString { newterm($0, outFile, inFile) }
        guard screen != nil else { throw TerminalError(description: "cannot start curses for TERM=\(term)") }
        resizeterm(Int32(rows), Int32(cols))
        configure(environment: env)
        typeahead(-1)     // never stop a refresh early to read input: there is none
    }

    /// Curses settings shared by the real and the headless screen: raw-ish keys, colours, hidden cursor.
    private func configure(environment env: [String: String]) {
        set_escdelay(25)
        cbreak(); noecho(); nonl()
        keypad(hs_stdscr(), true)
        intrflush(hs_stdscr(), false)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        colorMode = has_colors() ? ColorMode.detect(environment: env, colors: Int(hs_colors()), canChangeColor: can_change_color())
                                 : .mono
        if env["NO_COLOR"] != nil { colorMode = .mono }
        curs_set(0)
    }

    /// Resizes a headless screen (a real one follows the terminal through KEY_RESIZE).
    public func resize(rows: Int, cols: Int) {
        resizeterm(Int32(rows), Int32(cols))
        previous = nil
    }

    deinit { stop() }

    /// Ends curses and restores the tty. Safe to call more than once.
    public func stop() {
        if outFile != nil { fflush(outFile) }
        if inFile != nil {
            // Headless: end this screen only; the process's terminal was never touched.
            if screen != nil { endwin(); delscreen(screen); screen = nil }
            fclose(inFile); inFile = nil
            if outFile != nil { fclose(outFile); outFile = nil }
            return
        }
        restoreTerminal()
    }

    public var size: (rows: Int, cols: Int) { (Int(hs_lines()), Int(hs_cols())) }

    // MARK: colours

    /// Sets up colour pairs for `theme` in the detected colour mode.
    public func apply(_ theme: Theme) {
        attrs = [:]
        var nextColor: Int16 = 16
        var allocated: [String: Int16] = [:]
        func index(_ spec: ColorSpec?) -> Int16 {
            guard let spec else { return -1 }
            if colorMode == .truecolor, let rgb = spec.rgb {
                let key = "\(rgb.r),\(rgb.g),\(rgb.b)"
                if let i = allocated[key] { return i }
                guard nextColor < Int16(min(256, Int(hs_colors()))) else { return Int16(spec.resolved(.c256)) }
                let i = nextColor; nextColor += 1
                init_color(i, Int16(Int(rgb.r) * 1000 / 255), Int16(Int(rgb.g) * 1000 / 255), Int16(Int(rgb.b) * 1000 / 255))
                allocated[key] = i
                return i
            }
            return Int16(spec.resolved(colorMode))
        }
        for (i, role) in Role.allCases.enumerated() {
            let st = colorMode == .mono ? Theme.monochromeStyle(role) : theme.style(role)
            var a = hs_a_normal()
            if st.bold { a |= hs_a_bold() }
            if st.dim { a |= hs_a_dim() }
            if st.underline { a |= hs_a_underline() }
            if st.reverse { a |= hs_a_reverse() }
            if st.italic { a |= hs_a_italic() }
            var pair: Int16 = 0
            if colorMode != .mono {
                pair = Int16(i + 1)
                init_pair(pair, index(st.fg), index(st.bg))
            }
            attrs[role] = (a, pair)
            sgr[role] = Terminal.sgr(st, mode: colorMode)
        }
        previous = nil
    }

    /// An SGR escape for a style: attributes, then 24-bit, 256- or 8-colour foreground and background.
    static func sgr(_ st: RoleStyle, mode: ColorMode) -> String {
        var p = ["0"]
        if st.bold { p.append("1") }
        if st.dim { p.append("2") }
        if st.italic { p.append("3") }
        if st.underline { p.append("4") }
        if st.reverse { p.append("7") }
        func color(_ spec: ColorSpec?, base: Int) {
            guard let spec, mode != .mono else { return }
            if mode == .truecolor, let rgb = spec.rgb { p.append("\(base + 8);2;\(rgb.r);\(rgb.g);\(rgb.b)"); return }
            let i = spec.resolved(mode)
            if i < 0 { return }
            p.append(mode == .c8 ? "\(base + i)" : "\(base + 8);5;\(i)")
        }
        color(st.fg, base: 30)
        color(st.bg, base: 40)
        return "\u{1b}[" + p.joined(separator: ";") + "m"
    }

    // MARK: input

    /// Waits up to `timeoutMs` for a key; nil on timeout.
    public func readKey(timeoutMs: Int32) -> Key? {
        wtimeout(hs_stdscr(), timeoutMs)
        var wch: wint_t = 0
        let rc = wget_wch(hs_stdscr(), &wch)
        if rc == ERR { return nil }
        if rc == KEY_CODE_YES {
            switch Int32(wch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_ENTER: return .enter
            case KEY_BTAB: return .backTab
            case KEY_MOUSE:
                var row: Int32 = 0, col: Int32 = 0
                let kind = hs_mouse_event(&row, &col)
                guard mouse else { return nil }
                switch kind {
                case 1: return .mouse(MouseEvent(.press, row: Int(row), col: Int(col)))
                case 4: return .mouse(MouseEvent(.wheelUp, row: Int(row), col: Int(col)))
                case 5: return .mouse(MouseEvent(.wheelDown, row: Int(row), col: Int(col)))
                default: return nil
                }
            case KEY_RESIZE:
                previous = nil
                recorder?.resize(cols: Int(hs_cols()), rows: Int(hs_lines()))
                return .resize
            default:
                if Int32(wch) >= KEY_F0 && Int32(wch) <= KEY_F0 + 63 { return .function(Int(Int32(wch) - KEY_F0)) }
                return nil
            }
        }
        switch wch {
        case 10, 13: return .enter
        case 27: return readEscape()
        case 127, 8: return .backspace
        case 9: return .tab
        case 1...26: return .ctrl(Character(UnicodeScalar(UInt8(wch) + 96)))
        default:
            guard let u = UnicodeScalar(UInt32(wch)) else { return nil }
            return .char(Character(u))
        }
    }

    /// After ESC: a bracketed paste (ESC[200~ … ESC[201~), an SGR mouse report that curses's terminfo does
    /// not know (tmux-256color and screen say `kmous=\E[M`), an unrecognised sequence (dropped), or Escape itself.
    private func readEscape() -> Key? {
        wtimeout(hs_stdscr(), 10)
        var wch: wint_t = 0
        let rc = wget_wch(hs_stdscr(), &wch)
        if rc == ERR { return .escape }
        // ESC followed by anything but '[' is Escape and then a key typed quickly after it.
        guard rc == OK, wch == 0x5b else {
            if rc == KEY_CODE_YES { _ = ungetch(Int32(wch)); return .escape }
            _ = unget_wch(wchar_t(wch)); return .escape
        }
        var seq = "["
        while seq.count < 20, wget_wch(hs_stdscr(), &wch) == OK, let u = UnicodeScalar(UInt32(wch)) {
            seq.unicodeScalars.append(u)
            if seq == "[200~" { return .paste(readPaste()) }
            if u.value >= 0x40 && u.value <= 0x7e { break }   // the final byte of a CSI sequence
        }
        if seq.hasPrefix("[<") { return mouse ? Terminal.sgrMouse(seq) : nil }
        return .escape
    }

    /// An SGR mouse report `[<b;x;yM` (press) or `…m` (release, ignored): button 1 presses and the wheel.
    static func sgrMouse(_ seq: String) -> Key? {
        guard let final = seq.last, final == "M" || final == "m" else { return nil }
        let n = seq.dropFirst(2).dropLast().split(separator: ";").compactMap { Int($0) }
        guard n.count == 3, final == "M", n[0] & 32 == 0 else { return nil }     // 32: motion
        let row = n[2] - 1, col = n[1] - 1
        switch n[0] & ~(4 | 8 | 16) {                                          // modifiers: Shift, Meta, Ctrl
        case 0: return .mouse(MouseEvent(.press, row: row, col: col))
        case 64: return .mouse(MouseEvent(.wheelUp, row: row, col: col))
        case 65: return .mouse(MouseEvent(.wheelDown, row: row, col: col))
        default: return nil
        }
    }

    private func readPaste() -> String {
        var text = ""
        var wch: wint_t = 0
        wtimeout(hs_stdscr(), 100)
        while text.count < 10_000 {
            let rc = wget_wch(hs_stdscr(), &wch)
            if rc == ERR { break }
            if rc == KEY_CODE_YES { continue }
            guard let u = UnicodeScalar(UInt32(wch)) else { continue }
            text.unicodeScalars.append(u)
            if text.hasSuffix("\u{1b}[201~") { text.removeLast(6); break }
        }
        return text
    }

    // MARK: output

    /// Draws `frame`, writing only the cells that changed since the last draw.
    public func draw(_ frame: Frame) {
        let g = frame.grid
        let prev = previous.flatMap { $0.rows == g.rows && $0.cols == g.cols ? $0 : nil }
        if prev == nil { werase(hs_stdscr()) }
        // The recording gets its own rendering of the same diff: cursor moves, SGR and text.
        var rec = recorder == nil ? nil : (prev == nil ? "\u{1b}[0m\u{1b}[2J" : "")
        var recRole: Role?
        var recPos = (-1, -1)
        var cc = cchar_t()
        for r in 0..<g.rows {
            for c in 0..<g.cols {
                let cell = g[r, c]
                if cell.isContinuation { continue }
                if let prev, prev[r, c] == cell, c + 1 >= g.cols || prev[r, c + 1] == g[r, c + 1] { continue }
                let (a, pair) = attrs[cell.role] ?? (hs_a_normal(), 0)
                var wchars = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                wchars.append(0)
                setcchar(&cc, wchars, a, pair, nil)
                mvwadd_wch(hs_stdscr(), Int32(r), Int32(c), &cc)
                if rec != nil {
                    if recPos != (r, c) { rec! += "\u{1b}[\(r + 1);\(c + 1)H" }
                    if recRole != cell.role { rec! += sgr[cell.role] ?? "\u{1b}[0m"; recRole = cell.role }
                    rec! += cell.text
                    recPos = (r, c + max(1, displayWidth(cell.text)))
                }
            }
        }
        previous = g
        if let cur = frame.cursor {
            curs_set(1)
            wmove(hs_stdscr(), Int32(cur.row), Int32(cur.col))
            rec? += "\u{1b}[0m\u{1b}[\(cur.row + 1);\(cur.col + 1)H\u{1b}[?25h"
        } else {
            curs_set(0)
            rec? += "\u{1b}[0m\u{1b}[?25l"
        }
        wrefresh(hs_stdscr())
        if let rec, let recorder { recorder.output(rec) }
    }

    /// Forces the next draw to repaint everything.
    public func invalidate() { previous = nil; clearok(hs_stdscr(), true) }
}

extension ColorSpec {
    /// The colour index for a 256- or 8-colour terminal: the spec's own value for that depth,
    /// else the nearest one derived from the other fields; -1 (terminal default) if nothing fits.
    public func resolved(_ mode: ColorMode) -> Int {
        switch mode {
        case .mono: return -1
        case .truecolor, .c256:
            if let c256 { return c256 }
            if let rgb { return ColorSpec.xterm256(rgb.r, rgb.g, rgb.b) }
            return c8?.index ?? -1
        case .c8:
            if let c8 { return c8.index }
            if let rgb { return ColorSpec.basic(rgb.r, rgb.g, rgb.b) }
            if let c256, c256 < 8 { return c256 }
            return -1
        }
    }

    /// The nearest entry of the xterm 6×6×6 cube or grey ramp.
    static func xterm256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func q(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        if r == g && g == b {
            if r < 8 { return 16 }
            if r > 238 { return 231 }
            return 232 + (Int(r) - 8) / 10
        }
        return 16 + 36 * q(r) + 6 * q(g) + q(b)
    }

    /// The nearest basic colour: each channel thresholded at half.
    static func basic(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (r >= 128 ? 1 : 0) | (g >= 128 ? 2 : 0) | (b >= 128 ? 4 : 0)
    }
}
