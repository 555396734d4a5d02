import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a sweep's output file cannot be used or written; every message names the file.
public struct SweepOutputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// A sweep's JSONL output: rows appended one `write` each and `fsync`ed, so that a sweep killed at any
/// moment leaves only whole, valid lines (at worst a torn last line, which `--resume` cuts off).
///
/// - Opening checks everything it can before any work is done: the path is a writable regular file
///   (or can be created), no other process is appending to it (an exclusive `flock`), and — unless
///   resuming — it does not already hold rows.
/// - Resuming reads the rows already there (their ids are `done`), cuts off a torn last line, and
///   refuses a file with a malformed complete line (naming the line) rather than guess.
/// - A failed write (disk full, file size limit, I/O error) truncates the file back to where the row
///   began, so the rows before it stay intact, and throws a message naming the file and the cause.
public final class SweepOutput {
    public let path: String
    /// Ids of the rows in the file (read when resuming, then every appended row).
    public private(set) var done: Set<String>
    /// Rows the file held when it was opened.
    public let resumedRows: Int
    /// Bytes of a torn last line cut off when resuming (0 = none).
    public let repairedBytes: Int
    private var fd: Int32
    private var size: off_t

    /// Opens (creating if needed) `path` for appending rows.
    /// - Parameters:
    ///   - resume: keep the rows already there (their ids go in `done`); without it, a file that
    ///     already has rows is refused, unless `overwrite`.
    ///   - overwrite: start the file afresh.
    public init(path: String, resume: Bool, overwrite: Bool = false) throws(SweepOutputError) {
        self.path = path
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw SweepOutputError("\(path): is a directory")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SweepOutputError("\(path): cannot open for writing: \(describeErrno())") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = systemErrno()
            if e == EWOULDBLOCK {
                sysClose(fd)
                throw SweepOutputError("\(path): in use by another running sweep (locked); give each shard its own --out")
            }
            // Filesystems without locks (some network mounts): carry on unlocked.
        }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            sysClose(fd)
            throw SweepOutputError("\(path): not a regular file")
        }
        self.fd = fd
        var existing = Data()
        if st.st_size > 0 {
            guard let data = FileManager.default.contents(atPath: path) else {
                sysClose(fd)
                throw SweepOutputError("\(path): cannot read the rows already there")
            }
            existing = data
        }
        if overwrite && !existing.isEmpty {
            guard ftruncate(fd, 0) == 0 else {
                let message = describeErrno(); sysClose(fd)
                throw SweepOutputError("\(path): cannot truncate: \(message)")
            }
            existing = Data()
        }
        if !existing.isEmpty && !resume {
            let rows = existing.split(separator: 0x0A).count
            sysClose(fd)
            throw SweepOutputError("\(path): already has \(rows) row\(rows == 1 ? "" : "s"); pass --resume to continue it, or --overwrite to start again")
        }
        let scan: (ids: Set<String>, validBytes: Int, rows: Int)
        do { scan = try Self.scan(existing, path: path) } catch { sysClose(fd); throw error }
        if scan.validBytes < existing.count {
            guard ftruncate(fd, off_t(scan.validBytes)) == 0 else {
                let message = describeErrno(); sysClose(fd)
                throw SweepOutputError("\(path): cannot cut off the torn last line: \(message)")
            }
            _ = fsync(fd)
        }
        done = scan.ids
        resumedRows = scan.rows
        repairedBytes = existing.count - scan.validBytes
        size = off_t(scan.validBytes)
        // Position at the end: writes go where `size` says (pwrite), never into the middle.
        _ = lseek(fd, size, SEEK_SET)
    }

    deinit { close() }

    /// Releases the file (and its lock).
    public func close() {
        if fd >= 0 {
            sysClose(fd)
            fd = -1
        }
    }

    /// Appends one row (a line of JSON without its newline) and makes it durable.
    public func append(_ line: Data, id: String) throws(SweepOutputError) {
        guard fd >= 0 else { throw SweepOutputError("\(path): closed") }
        var bytes = [UInt8](line)
        bytes.append(0x0A)
        let start = size
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                pwrite(fd, buf.baseAddress! + written, buf.count - written, start + off_t(written))
            }
            if n < 0 {
                if systemErrno() == EINTR { continue }
                let message = describeErrno()
                rollBack(to: start)
                throw SweepOutputError("\(path): write failed after \(done.count) row\(done.count == 1 ? "" : "s"): \(message)")
            }
            if n == 0 {
                rollBack(to: start)
                throw SweepOutputError("\(path): write failed after \(done.count) rows: no bytes written")
            }
            written += n
        }
        if fsync(fd) != 0 {
            let message = describeErrno()
            rollBack(to: start)
            throw SweepOutputError("\(path): fsync failed after \(done.count) rows: \(message)")
        }
        size = start + off_t(bytes.count)
        done.insert(id)
    }

    /// Removes a partly written row.
    private func rollBack(to offset: off_t) {
        _ = ftruncate(fd, offset)
        _ = fsync(fd)
    }

    /// The ids of the complete rows of `data` and the length of its whole-line prefix.
    ///
    /// A last line without its newline is torn (a kill mid-write) when it is not valid JSON; a complete
    /// row missing only the newline is kept (and the newline added by the next append would be missing,
    /// so it is treated as torn too and redone — rows are deterministic). A malformed line before the
    /// last is an error naming its line.
    static func scan(_ data: Data, path: String) throws(SweepOutputError) -> (ids: Set<String>, validBytes: Int, rows: Int) {
        var ids: Set<String> = []
        var rows = 0
        var lineStart = 0
        var line = 0
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            guard let nl = bytes[i...].firstIndex(of: 0x0A) else { break }   // torn tail: from lineStart on
            line += 1
            let slice = bytes[lineStart..<nl]
            if !slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                guard let id = rowID(Data(slice)) else {
                    throw SweepOutputError("\(path):\(line): not a sweep row (malformed JSON or no \"id\"); fix or remove that line, then --resume")
                }
                if ids.contains(id) {
                    throw SweepOutputError("\(path):\(line): id '\(id)' appears twice; fix the file, then --resume")
                }
                ids.insert(id)
                rows += 1
            }
            lineStart = nl + 1
            i = nl + 1
        }
        return (ids, lineStart, rows)
    }

    /// The "id" of a JSON object line, or nil when it is not one.
    public static func rowID(_ line: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { return nil }
        return object["id"] as? String
    }

}

private func sysClose(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

private func systemErrno() -> Int32 { errno }

private func describeErrno() -> String { String(cString: strerror(errno)) }
