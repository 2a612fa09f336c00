import CelestaIR
import CelestaXylo

/// Where a dev kit is: a new virtual kit of a chip, or a board on USB. The C shim parses its
/// `location` strings into one, the CLI builds one from `--virtual` / `--device`; both open it
/// with `open(timeout:hints:)`.
public enum HDKLocation: Sendable, Equatable {
    /// A new virtual kit of the chip (any name `ChipTable` knows, checked when opened).
    case virtual(chip: String)
    /// The board on USB at this location (`usb:BUS:ADDRESS`, as discovery reports it); nil for
    /// the first board found.
    case usb(String?)

    /// The prefix of a virtual kit's location text.
    public static let virtualPrefix = "virtual:"

    /// `virtual:<chip>` (a new virtual kit of that chip), a USB location (`usb:BUS:ADDRESS`), or
    /// the empty text for the first board on USB.
    public init(parsing text: String) {
        if text.hasPrefix(Self.virtualPrefix) {
            self = .virtual(chip: String(text.dropFirst(Self.virtualPrefix.count)))
        } else {
            self = .usb(text.isEmpty ? nil : text)
        }
    }

    /// A virtual kit of `virtual`, or the board at `device` (nil: the first board). Giving both
    /// is `.invalidArgument` (`both` is the message).
    public init(virtual: String?, device: String?, both: String) throws {
        if let virtual {
            guard device == nil else { throw CelestaError(.invalidArgument, both) }
            self = .virtual(chip: virtual)
        } else {
            self = .usb(device)
        }
    }

    /// How a front end tells its user to name kits, in the `.notFound` messages of `open`.
    public struct Hints: Sendable {
        /// Follows "no dev kit on USB" when no board is found.
        public var noBoard: String
        /// Follows "no dev kit at 'LOCATION'" when no board is at the location asked for.
        public var unknownLocation: String

        public init(noBoard: String, unknownLocation: String) {
            self.noBoard = noBoard
            self.unknownLocation = unknownLocation
        }
    }

    /// Opens the kit: a new virtual kit with `timeout`, or the board found by
    /// `discovery()` (made only for a board, so a malformed `CELESTA_HDK_USB_IDS` never stops
    /// a virtual kit). Throws `.notFound` (with `hints`) when no board matches, and as
    /// `VirtualDevKit(chip:)` and `HDKDiscovery.open`.
    public func open(
        timeout: Duration, hints: Hints, discovery: () throws -> HDKDiscovery = { try HDKDiscovery() }
    ) throws -> HDKTransport {
        switch self {
        case .virtual(let text):
            // `CHIP?faults=PLAN` (or CELESTA_HDK_FAULTS): the kit behind a faulty wire.
            let (chip, faults) = try HDKFaultPlan.split(text)
            let kit = try VirtualDevKit(chip: chip)
            kit.timeout = timeout
            if let faults { return try faults.open(kit, location: Self.virtualPrefix + text, timeout: timeout) }
            return kit
        case .usb(let location):
            let discovery = try discovery()
            guard let board = discovery.physical().first(where: { location == nil || $0.info.location == location }) else {
                throw CelestaError(.notFound, location.map { "no dev kit at '\($0)'" + hints.unknownLocation }
                    ?? "no dev kit on USB" + hints.noBoard)
            }
            return try discovery.open(.usb(board.info, board.descriptor), timeout: timeout)
        }
    }
}
