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

// Mouse: the button masks are macros built from NCURSES_MOUSE_MASK. Presses only (no click
// resolution, which would delay every press by mouseinterval), button 1 and the wheel.
static inline mmask_t hs_mouse_mask(void) { return BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED; }
/// The pending mouse event: 1 button-1 press, 4 wheel up, 5 wheel down, 0 anything else; its cell in *row, *col.
static inline int hs_mouse_event(int *row, int *col) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *row = ev.y; *col = ev.x;
    if (ev.bstate & BUTTON1_PRESSED) return 1;
    if (ev.bstate & BUTTON4_PRESSED) return 4;
    if (ev.bstate & BUTTON5_PRESSED) return 5;
    return 0;
}
