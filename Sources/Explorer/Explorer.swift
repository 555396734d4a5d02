// Explorer module: the ncurses explorer of hopscope.
//
// Data flows one way:
//
//   ExplorerBackend (Backend.swift) ──results──► ExplorerState (ExplorerState.swift) ──► Renderer (Render.swift)
//        ▲                                            │ keys → Effects                      │ CellGrid
//        └──────────── ExplorerApp (ExplorerApp.swift) ◄┘                                   ▼
//                                                                          Terminal (Terminal.swift, all curses)
//
// - View models (ViewModels.swift, LayerViewModel in ExplorerState.swift) are plain values; a real backend
//   fills them from the Analysis module, DemoBackend from synthetic data.
// - Screens render into a CellGrid (CellGrid.swift) that tests read as text; the Terminal diff-draws it.
// - Themes (Theme.swift, themes/*.toml) map UI roles to colours at three depths; Glyphs.swift holds the
//   Unicode and ASCII drawing sets; LineEditor.swift edits the query and command lines; Recorder.swift
//   writes asciicast v2 and JSONL transcripts.
