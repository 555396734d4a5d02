#pragma once
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <ncursesw/curses.h>

// Attribute bits are function-like macros, which Swift cannot import; expose them as functions.
static inline attr_t hs_a_normal(void) { return A_NORMAL; }
static inline attr_t hs_a_bold(void) { return A_BOLD; }
static inline attr_t hs_a_dim(void) { return A_DIM; }
static inline attr_t hs_a_underline(void) { return A_UNDERLINE; }
static inline attr_t hs_a_reverse(void) { return A_REVERSE; }
static inline attr_t hs_a_italic(void) { return A_ITALIC; }

// Curses globals as functions: Swift 6 rejects direct use of C mutable globals.
static inline WINDOW *hs_stdscr(void) { return stdscr; }
static inline int hs_lines(void) { return LINES; }
static inline int hs_cols(void) { return COLS; }
static inline int hs_colors(void) { return COLORS; }
static inline FILE *hs_stdin(void) { return stdin; }

extern int wcwidth(wchar_t c);
/// Columns a code point occupies (-1 for non-printable), from the C library's current locale.
static inline int hs_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// Mouse wheel: the button masks are macros built from NCURSES_MOUSE_MASK.
static inline mmask_t hs_wheel_mask(void) { return BUTTON4_PRESSED | BUTTON5_PRESSED; }
static inline int hs_mouse_wheel(void) {   // -1 up, +1 down, 0 other
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    if (ev.bstate & BUTTON4_PRESSED) return -1;
    if (ev.bstate & BUTTON5_PRESSED) return 1;
    return 0;
}
