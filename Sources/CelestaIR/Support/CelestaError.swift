/// Status codes shared by every layer: the C ABI returns them, the CLI exits with their
/// magnitude, and the Python package raises one `CelestaError` subclass per code.
///
/// The raw values are part of the stable ABI: never renumber a case, only append.
/// `scripts/gen_header.py` writes the `celesta_status` enum of `include/celesta.h` from this
/// declaration (case `fooBar` becomes `CELESTA_ERR_FOO_BAR`, `ok` becomes `CELESTA_OK`), with
/// each case's doc comment.
public enum StatusCode: Int32, CaseIterable, Sendable {
    /// Success.
    case ok = 0
    /// A required pointer argument was NULL.
    case nullPointer = -1
    /// An argument has a value that the call does not accept (unknown name, bad flag, ...).
    case invalidArgument = -2
    /// The named or indexed item (chip, node, file, device) does not exist.
    case notFound = -3
    /// A caller-provided output buffer is too small; the needed size was reported.
    case bufferTooSmall = -4
    /// A numeric value is outside the range the field accepts.
    case outOfRange = -5
    /// Array lengths or shapes do not agree with each other.
    case shapeMismatch = -6
    /// The network exceeds a hardware limit of the chip (neurons, synapses, fan-out, ...).
    case limitExceeded = -7
    /// The operation is not supported for this chip, node kind or build.
    case unsupported = -8
    /// A hardware configuration failed validation.
    case invalidConfig = -9
    /// A file could not be read or written.
    case io = -10
    /// A file or string could not be parsed.
    case parse = -11
    /// The dev kit reported an error or was unplugged.
    case device = -12
    /// An operation did not finish within its time limit.
    case timeout = -13
    /// The operation was cancelled by the caller.
    case cancelled = -14
    /// Memory could not be allocated.
    case outOfMemory = -15
    /// The call is not valid in the object's current state.
    case invalidState = -16
    /// An internal invariant was broken: please report it.
    case internalError = -17

    /// The C name of the code, e.g. `CELESTA_ERR_NULL_POINTER`.
    public var name: String {
        if self == .ok { return "CELESTA_OK" }
        var snake = ""
        for ch in String(describing: self) {
            if ch.isUppercase { snake.append("_") }
            snake.append(contentsOf: ch.uppercased())
        }
        return "CELESTA_ERR_" + snake
    }

    /// The code with this raw value, or nil.
    public init?(code: Int32) { self.init(rawValue: code) }

    /// The exit status the CLI uses for this code (its magnitude; 0 for `ok`).
    public var exitStatus: Int32 { -rawValue }
}

/// The one error type of the engine: a status code and a message that names the offending
/// field and its value.
public struct CelestaError: Error, CustomStringConvertible, Equatable, Sendable {
    public let code: StatusCode
    public let message: String

    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}
