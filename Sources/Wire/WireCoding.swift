import Foundation

/// The JSON encoder and decoder of protocol lines: sorted keys, non-finite numbers as strings
/// ("inf", "nan"), as in transcripts.
public enum WireCoding {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// One protocol line: the value's JSON and a newline.
    public static func line<T: Encodable>(_ value: T) throws -> Data {
        var d = try encoder().encode(value)
        d.append(0x0A)
        return d
    }
}
