import FoundationEssentials

/// The element type of a `Tensor`, named as numpy names it (the names travel through the C ABI,
/// the Python package and the files unchanged).
public enum DType: String, Sendable, CaseIterable, Hashable {
    case float16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    public var isFloat: Bool { self == .float16 || self == .float32 || self == .float64 }
    public var isSignedInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
    public var isUnsignedInteger: Bool { self == .uint8 || self == .uint16 || self == .uint32 || self == .uint64 }

    /// The type with this numpy name (`"float32"`, also `"f4"`, `"<f4"`, `"i8"`...), or nil.
    public init?(numpy name: String) {
        if let t = DType(rawValue: name) { self = t; return }
        var code = Substring(name)
        if let first = code.first, first == "<" || first == "=" || first == "|" { code = code.dropFirst() }
        switch code {
        case "f2": self = .float16
        case "f4": self = .float32
        case "f8": self = .float64
        case "i1": self = .int8
        case "i2": self = .int16
        case "i4": self = .int32
        case "i8": self = .int64
        case "u1": self = .uint8
        case "u2": self = .uint16
        case "u4": self = .uint32
        case "u8": self = .uint64
        case "b1": self = .bool
        default: return nil
        }
    }
}

/// An n-dimensional array as numpy holds it: an element type, a shape and the elements in C
/// (row-major) order, little-endian, as raw bytes. Files keep the stored type (a float32 weight
/// stays float32 through a `.t1c` or NIR round trip); the engine reads values as `Double` or
/// `Int` through the accessors below.
///
/// A tensor that exists is consistent: `bytes.count == count * dtype.size`, every dimension
/// is >= 0, and the element count fits in `Int`.
public struct Tensor: Sendable, Equatable, Hashable {
    public let dtype: DType
    /// The dimensions; `[]` is a scalar (one element).
    public let shape: [Int]
    /// The elements, C order, little-endian.
    public let bytes: [UInt8]

    /// The number of elements (the product of the shape; 1 for a scalar).
    public var count: Int { bytes.count / dtype.size }
    /// The number of dimensions.
    public var ndim: Int { shape.count }

    /// A tensor over raw bytes; fails when the sizes do not agree.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        let n = try Tensor.elementCount(shape)
        let (total, overflow) = n.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, total == bytes.count else {
            throw CelestaError(
                .shapeMismatch, "an array of shape \(Tensor.describe(shape)) and type \(dtype.rawValue) needs \(overflow ? "more than Int.max" : String(total)) bytes, not \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float64 tensor.
    public init(_ values: [Double], shape: [Int]? = nil) throws {
        try self.init(dtype: .float64, shape: shape ?? [values.count], bytes: Tensor.raw(values))
    }

    /// A float32 tensor.
    public init(float32 values: [Float], shape: [Int]? = nil) throws {
        try self.init(dtype: .float32, shape: shape ?? [values.count], bytes: Tensor.raw(values))
    }

    /// An int64 tensor.
    public init(int64 values: [Int], shape: [Int]? = nil) throws {
        try self.init(dtype: .int64, shape: shape ?? [values.count], bytes: Tensor.raw(values.map { Int64($0) }))
    }

    /// A tensor of `dtype` holding `values` converted (rounded to the type; integers truncate
    /// toward zero and saturate, as numpy's `astype` does for in-range values).
    public init(converting values: [Double], to dtype: DType, shape: [Int]? = nil) throws {
        let shape = shape ?? [values.count]
        var out = [UInt8]()
        out.reserveCapacity(values.count * dtype.size)
        func put<T>(_ v: T) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }
        for v in values {
            switch dtype {
            case .float16: put(Float16(v).bitPattern)
            case .float32: put(Float(v))
            case .float64: put(v)
            case .int8: put(Int8(clamping: Tensor.integral(v)))
            case .int16: put(Int16(clamping: Tensor.integral(v)))
            case .int32: put(Int32(clamping: Tensor.integral(v)))
            case .int64: put(Int64(clamping: Tensor.integral(v)))
            case .uint8: put(UInt8(clamping: Tensor.integral(v)))
            case .uint16: put(UInt16(clamping: Tensor.integral(v)))
            case .uint32: put(UInt32(clamping: Tensor.integral(v)))
            case .uint64: put(UInt64(clamping: Tensor.integral(v)))
            case .bool: put(UInt8(v != 0 ? 1 : 0))
            }
        }
        try self.init(dtype: dtype, shape: shape, bytes: out)
    }

    /// A tensor of `dtype` and `shape` with every element `value`.
    public static func filled(_ value: Double, dtype: DType, shape: [Int]) throws -> Tensor {
        try Tensor(converting: [Double](repeating: value, count: try elementCount(shape)), to: dtype, shape: shape)
    }

    /// Element `i` (C order) as a double.
    public func double(at i: Int) -> Double {
        bytes.withUnsafeBytes { raw in
            let o = i * dtype.size
            switch dtype {
            case .float16: return Double(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            case .float32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))
            case .float64: return raw.loadUnaligned(fromByteOffset: o, as: Double.self)
            case .int8: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int8.self))
            case .int16: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int16.self))
            case .int32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
            case .int64: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int64.self))
            case .uint8, .bool: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt8.self))
            case .uint16: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
            case .uint32: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
            case .uint64: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
        }
    }

    /// Element `i` as an integer, or nil when it is not a whole number in `Int`'s range.
    public func int(at i: Int) -> Int? {
        if dtype == .int64 {
            return Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: Int64.self) })
        }
        if dtype == .uint64 {
            return Int(exactly: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) })
        }
        let d = double(at: i)
        guard d.isFinite, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int(d)
    }

    /// Every element as a double, C order.
    public var doubles: [Double] {
        if dtype == .float64 {
            return bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        if dtype == .float32 {
            return bytes.withUnsafeBytes { $0.bindMemory(to: Float.self).map(Double.init) }
        }
        return (0..<count).map(double(at:))
    }

    /// Every element as an integer, or nil when one is not a whole number.
    public var ints: [Int]? {
        var out = [Int]()
        out.reserveCapacity(count)
        for i in 0..<count {
            guard let v = int(at: i) else { return nil }
            out.append(v)
        }
        return out
    }

    /// The same elements with another shape of the same size.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(dtype: dtype, shape: newShape, bytes: bytes)
    }

    /// The same values converted to `other`.
    public func converted(to other: DType) throws -> Tensor {
        if other == dtype { return self }
        return try Tensor(converting: doubles, to: other, shape: shape)
    }

    /// numpy's spelling of a shape: `(3,)`, `(2, 3)`, `()`.
    public static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The product of `shape`, refusing negative dimensions and overflow.
    public static func elementCount(_ shape: [Int]) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw CelestaError(.shapeMismatch, "shape \(describe(shape)) has a negative dimension") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw CelestaError(.outOfRange, "shape \(describe(shape)) has too many elements") }
            n = p
        }
        return n
    }

    static func raw<T>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    private static func integral(_ v: Double) -> Double {
        guard v.isFinite else { return v.isNaN ? 0 : v }
        return v.rounded(.towardZero)
    }
}

extension Int64 {
    /// Saturating conversion from a double (NaN becomes 0).
    init(clamping v: Double) {
        if v.isNaN { self = 0 } else if v >= 9.223372036854775807e18 { self = .max } else if v <= -9.223372036854775808e18 { self = .min } else { self = Int64(v) }
    }
}

extension UInt64 {
    init(clamping v: Double) {
        if v.isNaN || v <= 0 { self = 0 } else if v >= 1.8446744073709552e19 { self = .max } else { self = UInt64(v) }
    }
}

extension Int8 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
extension Int16 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
extension Int32 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
extension UInt8 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
extension UInt16 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
extension UInt32 { init(clamping v: Double) { self.init(clamping: Int64(clamping: v)) } }
