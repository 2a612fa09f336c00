import CelestaIR
import CelestaXylo

/// The one protocol every dev-kit transport speaks: the libusb transport to a board and the
/// virtual dev kit. The driver (`XyloHDK`) is written against this protocol only, so the same
/// code drives a board and the virtual kit.
///
/// Addresses are the chip's register and memory word addresses (see `XyloImage` and the chip's
/// image layout). Every call finishes or fails within `timeout`; none traps. Errors are
/// `CelestaError`s whose message names the device and the operation (`.device` for a kit that
/// is gone or misbehaves, `.timeout`, `.outOfRange` for a bad address, `.invalidState` for a
/// call the kit's mode does not allow).
///
/// Thread safety: a transport is used by one thread at a time (the driver serialises calls);
/// different transports are independent.
public protocol HDKTransport: AnyObject {
    /// What the kit is.
    var device: HDKDeviceInfo { get }
    /// The longest any one call may take before it fails with `.timeout`.
    var timeout: Duration { get set }
    /// The power-monitor rails, in the order of `HDKPowerSample.watts`.
    var powerRails: [String] { get }

    /// Reads one 32-bit register.
    func readRegister(_ address: UInt32) throws -> UInt32
    /// Writes one 32-bit register.
    func writeRegister(_ address: UInt32, _ value: UInt32) throws
    /// Reads `count` consecutive memory words from `address`.
    func readMemory(_ address: UInt32, count: Int) throws -> [Int32]
    /// Writes consecutive memory words from `address`.
    func writeMemory(_ address: UInt32, _ values: [Int32]) throws

    /// Chooses the input source and whether readouts carry every state (the monitor ranges).
    func configure(source: HDKInputSource, monitorState: Bool) throws
    /// The kit's current time step (the next one it will process).
    func currentTimestep() throws -> Int
    /// Queues input events; each must be at or after the current time step.
    func sendInput(_ events: [HDKInputEvent]) throws
    /// Queues a raster of input counts for a block of consecutive steps, its first row at or
    /// after the current time step (how the driver sends input). Its counts are valid by
    /// construction (`HDKInputRaster`); the transport checks the time step and the channels.
    /// Counts for the same step and channel, from rasters and events, add up (at most 255).
    func sendInput(_ raster: HDKInputRaster) throws
    /// Processes time steps up to, not including, `timestep` (accelerated time), delivering
    /// the queued events of each step. Readouts of the processed steps queue on the kit.
    func process(until timestep: Int) throws
    /// Feeds audio samples (14-bit, signed) to the front end; with the front end as source the
    /// kit steps on its own as raster rows complete.
    func sendAudio(_ samples: [Int]) throws
    /// Takes every queued readout, oldest first, as one block (empty when none is queued).
    func readReadouts() throws -> HDKReadoutBlock

    /// Starts (or restarts) power sampling at `rate` samples per second of kit time.
    func startPowerMonitor(rate: Double) throws
    /// Takes the power samples taken since the last call.
    func readPower() throws -> [HDKPowerSample]
    /// Sets the core clock; returns the frequency the board actually runs (Hz).
    func setClock(hertz: Double) throws -> Double
    /// The core clock frequency (Hz).
    func clock() throws -> Double
    /// Resets the chip: registers to their reset values, memory and state to zero, time step
    /// counter to zero, queues emptied.
    func reset() throws
    /// Releases the device. Further calls fail with `.invalidState`. Safe to call twice.
    func close()
}
