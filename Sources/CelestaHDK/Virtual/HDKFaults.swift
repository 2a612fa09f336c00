import CelestaIR
import CelestaXylo

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Faults injected into a virtual dev kit, for testing what every front end does when a kit
/// misbehaves. A virtual kit opened with a fault plan (`virtual:xa2?faults=unplug@40`, or any
/// virtual kit while the environment variable `CELESTA_HDK_FAULTS` holds a plan) is driven
/// through the real USB transport (`USBTransport`: framing, sequence numbers, answer checks)
/// over an in-memory bus whose board is the wire server over the virtual kit, so a fault takes
/// the same code path as on a board.
///
/// A plan is a comma-separated list of `KIND@N`: the fault KIND hits the N-th USB transfer (a
/// request and its answer; 1 is the kit's version query when it is opened):
/// - `unplug`: the board is gone from transfer N on (every transfer fails as libusb's
///   LIBUSB_ERROR_NO_DEVICE does);
/// - `timeout`: transfer N's request is lost (libusb's LIBUSB_ERROR_TIMEOUT); later ones work;
/// - `stall`: transfer N's answer never comes: the read waits its whole timeout, then times out;
/// - `corrupt`: transfer N is served, but its answer arrives with its bytes flipped;
/// - `short`: transfer N is served, but only the first half of its answer arrives.
public struct HDKFaultPlan: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case unplug, timeout, stall, corrupt, short
    }

    public struct Fault: Sendable, Equatable {
        public var kind: Kind
        /// The transfer it hits, from 1.
        public var transfer: Int
    }

    public var faults: [Fault]

    /// The environment variable that applies a plan to every virtual kit opened.
    public static let environmentVariable = "CELESTA_HDK_FAULTS"

    /// Parses `KIND@N[,KIND@N...]` (`.invalidArgument` naming the bad entry).
    public init(parsing text: String) throws {
        faults = try text.split(separator: ",").map { entry in
            let parts = entry.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, let kind = Kind(rawValue: String(parts[0]).trimmingSpaces),
                  let n = Int(String(parts[1]).trimmingSpaces), n >= 1 else {
                throw CelestaError(.invalidArgument,
                                   "fault '\(entry)' is not KIND@N (KIND one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")); N >= 1)")
            }
            return Fault(kind: kind, transfer: n)
        }
        guard !faults.isEmpty else { throw CelestaError(.invalidArgument, "the fault plan '\(text)' is empty") }
    }

    /// Splits a virtual kit's chip text `CHIP?faults=PLAN` into the chip and its plan; without
    /// `?faults=`, the plan of `CELESTA_HDK_FAULTS` if set, else nil.
    public static func split(_ chip: String) throws -> (chip: String, plan: HDKFaultPlan?) {
        if let mark = chip.firstRange(of: "?faults=") {
            return (String(chip[..<mark.lowerBound]), try HDKFaultPlan(parsing: String(chip[mark.upperBound...])))
        }
        if let p = getenv(environmentVariable), let text = String(validatingCString: p), !text.isEmpty {
            return (chip, try HDKFaultPlan(parsing: text))
        }
        return (chip, nil)
    }

    /// A transport to `kit` through the USB transport over a faulty in-memory bus.
    public func open(_ kit: VirtualDevKit, location: String, timeout: Duration) throws -> HDKTransport {
        let connection = FaultyWireConnection(server: HDKWireServer(transport: kit), plan: self)
        let info = HDKDeviceInfo(kind: .usb, chipID: kit.device.chipID, name: kit.device.name, location: location,
                                 version: kit.device.version)
        return try USBTransport(connection: connection, device: info, timeout: timeout)
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// The in-memory bus of a faulty virtual kit: each bulk write is one transfer's request,
/// answered by the wire server (as the board's firmware would), with the plan's faults.
final class FaultyWireConnection: USBConnection {
    private let server: HDKWireServer
    private let plan: HDKFaultPlan
    private var transfer = 0
    private var unplugged = false
    private var stalled = false
    private var answer: [UInt8] = []
    private var closed = false

    init(server: HDKWireServer, plan: HDKFaultPlan) {
        self.server = server
        self.plan = plan
    }

    private func fault(_ n: Int) -> HDKFaultPlan.Kind? {
        plan.faults.first { $0.transfer == n }?.kind
    }

    func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeoutMilliseconds: Int) throws(USBFailure) -> Int {
        if closed || unplugged { throw .noDevice }
        transfer += 1
        stalled = false
        answer = []
        switch fault(transfer) {
        case .unplug?:
            unplugged = true
            throw .noDevice
        case .timeout?:
            throw .timeout
        case .stall?:
            stalled = true
        case .corrupt?:
            answer = server.answer(data).map { $0 ^ 0xA5 }
        case .short?:
            let full = server.answer(data)
            answer = Array(full.prefix(full.count / 2))
        case nil:
            answer = server.answer(data)
        }
        return data.count
    }

    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: Int) throws(USBFailure) -> [UInt8] {
        if closed || unplugged { throw .noDevice }
        if stalled || answer.isEmpty {
            // Nothing comes: wait the read's whole timeout (bounded), as a stalled board does.
            usleep(useconds_t(min(max(timeoutMilliseconds, 0), 10_000)) * 1000)
            throw .timeout
        }
        let n = min(maxLength, answer.count)
        defer { answer.removeFirst(n) }
        return Array(answer.prefix(n))
    }

    func close() { closed = true }
}
