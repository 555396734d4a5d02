import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unix-domain stream sockets: listening (owner and group only) and connecting.
public enum UnixSocket {
    /// An error naming the path and the system's reason.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static func address(_ path: String) throws(Failure) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let cap = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < cap else {
            throw Failure(description: "the socket path \(path) is \(bytes.isEmpty ? "empty" : "longer than \(cap - 1) bytes")")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    static func reason() -> String { String(cString: strerror(errno)) }

    /// Connects to a listening socket; throws naming the path when nobody listens there.
    public static func connect(_ path: String) throws(Failure) -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot make a socket: \(reason())") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let why = reason()
            close(fd)
            throw Failure(description: "cannot connect to the hopscope server at \(path): \(why)")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Listens on `path` with mode 0660 (owner and group). A stale socket file (nobody listening) is
    /// replaced; a live one, or any other file, is an error.
    public static func listen(_ path: String, backlog: Int32 = 64) throws(Failure) -> Int32 {
        var addr = try address(path)
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw Failure(description: "\(path) exists and is not a socket; refusing to replace it")
            }
            if let fd = try? connect(path) {
                close(fd)
                throw Failure(description: "a server is already listening on \(path)")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot make a socket: \(reason())") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // The file is created with the umask's mode: no moment where others may connect.
        let old = umask(0o117)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard rc == 0 else {
            let why = reason()
            close(fd)
            throw Failure(description: "cannot listen on \(path): \(why)")
        }
        chmod(path, 0o660)
        guard Glibc.listen(fd, backlog) == 0 else {
            let why = reason()
            close(fd)
            throw Failure(description: "cannot listen on \(path): \(why)")
        }
        return fd
    }
}

/// Reads newline-terminated lines from a file descriptor, with a bound on a line's length.
public final class LineReader {
    public enum Line: Equatable {
        case line(Data)
        /// A line longer than the bound (its bytes were skipped up to its newline).
        case tooLong(Int)
        case end
    }

    private let fd: Int32
    private let maxBytes: Int
    private var buffer = [UInt8]()
    private var start = 0
    private var skipping = false
    private var skipped = 0

    public init(fd: Int32, maxBytes: Int = WireProtocol.maxLineBytes) { self.fd = fd; self.maxBytes = maxBytes }

    /// The next line (without its newline), blocking; `.end` at end of file or on an error.
    public func next() -> Line {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<nl]
                start = nl + 1
                if skipping {
                    skipping = false
                    let n = skipped + line.count
                    skipped = 0
                    return .tooLong(n)
                }
                if line.count > maxBytes { return .tooLong(line.count) }
                return .line(Data(line))
            }
            // No newline yet: a line that is already too long is skipped, not kept.
            if buffer.count - start > maxBytes {
                skipped += buffer.count - start
                skipping = true
                buffer.removeAll(keepingCapacity: true); start = 0
            } else if start > 0 {
                buffer.removeSubrange(0..<start); start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .end }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}

/// Writes whole buffers to a file descriptor (no SIGPIPE: a vanished peer is an error return).
public enum FDWriter {
    /// Writes all of `data`; false when the peer has gone.
    public static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> Bool in
            var off = 0
            while off < buf.count {
                let n = send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }
}
