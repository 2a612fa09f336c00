import CelestaIR
import CelestaXylo

/// How a dev kit is reached.
public enum HDKKind: String, Sendable, Equatable, CaseIterable {
    /// A board on USB, driven through libusb.
    case usb
    /// The virtual dev kit: a register file, memory and the bit-exact simulator in process.
    case virtual
}

/// One dev kit as discovery reports it.
public struct HDKDeviceInfo: Sendable, Equatable {
    /// USB or virtual.
    public let kind: HDKKind
    /// The canonical chip id of the Xylo on the board, e.g. `syns65302`.
    public let chipID: String
    /// A readable name, e.g. `Xylo Audio 3 virtual dev kit #0`.
    public let name: String
    /// Where it is: `virtual:N` or `usb:BUS:ADDRESS`.
    public let location: String
    /// The firmware or model version the kit reports, `(major, minor)`.
    public let version: HDKVersion

    public init(kind: HDKKind, chipID: String, name: String, location: String, version: HDKVersion) {
        self.kind = kind
        self.chipID = chipID
        self.name = name
        self.location = location
        self.version = version
    }
}

/// A `(major, minor)` version, as the boards' `ReadVersion` answers.
public struct HDKVersion: Sendable, Equatable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    public var description: String { "\(major).\(minor)" }
}

/// One input event for the SNN core: `count` events on input channel `channel` at time step
/// `timestep` (absolute, on the kit's time-step counter).
public struct HDKInputEvent: Sendable, Equatable {
    public var timestep: Int
    public var channel: Int
    public var count: Int
    public init(timestep: Int, channel: Int, count: Int) {
        self.timestep = timestep
        self.channel = channel
        self.count = count
    }
}

/// Where the SNN core's input comes from.
public enum HDKInputSource: String, Sendable, Equatable, CaseIterable {
    /// Input events sent by the host (accelerated time: the kit steps when told to).
    case events
    /// The audio front end, fed by the microphone (free-running in real time: the kit steps on
    /// its own as audio arrives). On the virtual kit the "microphone" is audio the host sends.
    case audioFrontEnd
    /// The audio front end alone, the SNN core idle: readouts carry only the front end's
    /// raster (Rockpool's `AFESamna`).
    case audioFrontEndOnly

    /// Whether audio feeds this source.
    public var takesAudio: Bool { self != .events }
}

/// The readouts of a run of consecutive time steps, as the kit reports them.
public struct HDKReadoutBlock: Sendable, Equatable {
    /// The absolute time step of the first row.
    public var firstTimestep: Int
    /// Output spikes and, when state monitoring was on, every state of each step.
    public var result: XyloSimulationResult
    /// With the audio front end as source: the front end's spike raster fed to the core,
    /// `[steps][channels]` row-major; empty otherwise.
    public var inputRaster: [Int32]
    /// Time steps (absolute) that the core could not finish within `dt` at the set clock.
    public var overruns: [Int]

    public init(firstTimestep: Int, result: XyloSimulationResult, inputRaster: [Int32] = [], overruns: [Int] = []) {
        self.firstTimestep = firstTimestep
        self.result = result
        self.inputRaster = inputRaster
        self.overruns = overruns
    }

    /// Number of time steps in the block.
    public var steps: Int { result.steps }
}

/// One sample of the board's power monitor: mean power per rail over the sample period.
public struct HDKPowerSample: Sendable, Equatable {
    /// Seconds since the kit's time base started (reset), at the end of the period.
    public var time: Double
    /// Watts per rail, in the order of `HDKTransport.powerRails`.
    public var watts: [Double]
    public init(time: Double, watts: [Double]) {
        self.time = time
        self.watts = watts
    }
}

/// The operations of the transport protocol, for error messages and the USB framing.
public enum HDKOperation: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case readVersion = 1
    case readRegister = 2
    case writeRegister = 3
    case readMemory = 4
    case writeMemory = 5
    case sendInput = 6
    case process = 7
    case readReadouts = 8
    case readPower = 9
    case setClock = 10
    case reset = 11
    case sendAudio = 12
    case configure = 13
    // (14 to 16 are wire-level opcodes, see `HDKWire`.)
    case sendInputRaster = 17

    public var description: String {
        switch self {
        case .readVersion: "read version"
        case .readRegister: "read register"
        case .writeRegister: "write register"
        case .readMemory: "read memory"
        case .writeMemory: "write memory"
        case .sendInput: "send input events"
        case .process: "trigger processing"
        case .readReadouts: "read readouts"
        case .readPower: "read power"
        case .setClock: "set clock"
        case .reset: "reset"
        case .sendAudio: "send audio"
        case .configure: "configure"
        case .sendInputRaster: "send input raster"
        }
    }
}

extension CelestaError {
    /// An error that names the device and the operation.
    static func hdk(_ code: StatusCode, _ device: HDKDeviceInfo, _ operation: HDKOperation, _ detail: String) -> CelestaError {
        CelestaError(code, "\(device.name) (\(device.location)): \(operation) failed: \(detail)")
    }
}
