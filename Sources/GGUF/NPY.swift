import Foundation

/// NumPy `.npy` files (format 1.0, little-endian float32, C order): what `hopscope dump` writes
/// and what the golden hidden-state fixtures hold.
public enum NPY {
    /// Encodes a float32 array of `shape` as a version-1.0 `.npy` image.
    public static func encode(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // magic(6) + version(2) + header length(2) + header, padded with spaces to a multiple of 64, ending "\n".
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(contentsOf: Array(header.utf8))
        // Hosts are little-endian (x86-64, arm64), as the '<f4' header says.
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Decodes a `.npy` image of little-endian float32 in C order; returns the values and shape.
    public static func decode(_ data: Data) throws -> (values: [Float], shape: [Int]) {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw NPYError("not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw NPYError("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count else { throw NPYError("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'") else { throw NPYError("only little-endian float32 ('<f4') is supported: \(header)") }
        guard header.contains("'fortran_order': False") else { throw NPYError("only C order is supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NPYError("no shape in .npy header")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let start = headerStart + headerLength
        guard bytes.count - start == count * 4 else {
            throw NPYError(".npy holds \(bytes.count - start) data bytes, shape \(shape) needs \(count * 4)")
        }
        let values = [Float](unsafeUninitializedCapacity: count) { buf, n in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count { buf[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))) }
            }
            n = count
        }
        return (values, shape)
    }
}

/// A malformed or unsupported `.npy` file.
public struct NPYError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}
