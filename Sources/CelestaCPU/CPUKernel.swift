import CelestaIR
import Synchronization

/// What a kernel is built from: the node, the shapes of the values reaching it (one per incoming
/// edge, in edge order, batch and time left out), and the run's settings.
public struct CPUKernelContext: Sendable {
    public let node: IRNode
    public let inputShapes: [[Int]]
    public let precision: CPUPrecision
    /// The simulated time of one step (the ODEs' dt; 1 = time constants counted in steps).
    public let dt: Double

    /// The one input shape of a single-input kernel (several inputs are summed first, so they
    /// must agree).
    public var inputShape: [Int] { inputShapes.first ?? [] }
    public var inputCount: Int { inputShape.reduce(1, *) }

    /// An error naming the node and the reason.
    public func fail(_ why: String, _ code: StatusCode = .shapeMismatch) -> CelestaError {
        CelestaError(code, "node '\(node.name)' (\(node.type)): \(why)")
    }

    /// The float32 values of the array field `name` (weights go through the precision).
    public func floats(_ name: String, weights: Bool = false) throws -> [Float] {
        guard let t = node.tensor(name) else { throw fail("field '\(name)' is missing", .invalidArgument) }
        let v = t.doubles.map { Float($0) }
        return weights ? precision.weights(v) : v
    }

    /// The array field `name`, or nil when it is not set.
    public func optionalFloats(_ name: String, weights: Bool = false) throws -> [Float]? {
        node.tensor(name) == nil ? nil : try floats(name, weights: weights)
    }

    public func shape(_ name: String) -> [Int]? { node.tensor(name)?.shape }

    /// An int or tuple field widened to `n` values (`stride=2` -> [2, 2]).
    public func ints(_ name: String, _ n: Int, default d: Int) -> [Int] {
        guard let v = node[name], !v.isNone else { return Array(repeating: d, count: n) }
        if let one = v.int { return Array(repeating: one, count: n) }
        if let list = v.ints, !list.isEmpty { return list.count == n ? list : Array(repeating: list[0], count: n) }
        return Array(repeating: d, count: n)
    }

    /// A per-neuron parameter array of `n` values (a scalar array broadcasts), or `fallback`.
    public func perNeuron(_ name: String, _ n: Int, fallback: Float? = nil) throws -> [Float] {
        guard let v = try optionalFloats(name) else {
            guard let f = fallback else { throw fail("field '\(name)' is missing", .invalidArgument) }
            return Array(repeating: f, count: n)
        }
        if v.count == n { return v }
        if v.count == 1 { return Array(repeating: v[0], count: n) }
        throw fail("'\(name)' has \(v.count) values but the input has \(n)")
    }
}

/// One node's computation. A kernel is immutable once built (its weights); the per-sample state
/// (membranes, delay lines) lives in a buffer the executor gives it, so one plan serves every
/// sample of a batch, on every core.
public protocol CPUKernel: AnyObject {
    /// The shape of the value the node produces (per sample).
    var outputShape: [Int] { get }
    /// Floats of per-sample state.
    var stateSize: Int { get }
    /// True when the output is spikes (counted in `spike_counts`).
    var spiking: Bool { get }
    /// False for kernels that take their inputs one by one (merges); otherwise several incoming
    /// values are summed (they must have one shape) and the kernel gets that sum.
    var mergesInputs: Bool { get }
    /// Sets a fresh state (zeros by default).
    func reset(_ state: UnsafeMutablePointer<Float>)
    /// Computes one step. `inputs` holds one pointer per input (one after merging).
    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>)
    /// Multiply-accumulates of one step (for the profile).
    var macs: Int { get }
    /// For a node with several output ports (ChannelSplit): the part of the output each
    /// outgoing edge carries, in edge order (offset into the output, shape). Nil: all of it.
    var portSlices: [(offset: Int, shape: [Int])]? { get }
}

extension CPUKernel {
    public var stateSize: Int { 0 }
    public var spiking: Bool { false }
    public var mergesInputs: Bool { true }
    public var macs: Int { 0 }
    public var portSlices: [(offset: Int, shape: [Int])]? { nil }
    public func reset(_ state: UnsafeMutablePointer<Float>) { state.update(repeating: 0, count: stateSize) }
    public var outputCount: Int { outputShape.reduce(1, *) }
}

/// Makes a node's kernel.
public typealias CPUKernelFactory = @Sendable (CPUKernelContext) throws -> any CPUKernel

/// The kernels by primitive name: the one table of what the CPU backend computes. A primitive
/// derived from another (TALON's `SConv` is a `Conv2d`) uses its base's kernel unless it has
/// its own. Users may add kernels for their own primitives.
public final class CPUKernelTable: Sendable {
    public static let shared = CPUKernelTable(CPUKernels.builtin)

    private let table: Mutex<[String: CPUKernelFactory]>

    init(_ entries: [String: CPUKernelFactory]) { table = Mutex(entries) }

    public func register(_ primitive: String, _ factory: @escaping CPUKernelFactory) {
        table.withLock { $0[primitive] = factory }
    }

    /// The factory for `type`, looking through its bases.
    public func factory(for type: String) -> CPUKernelFactory? {
        var name: String? = type
        while let n = name {
            if let f = table.withLock({ $0[n] }) { return f }
            name = PrimitiveRegistry.shared.descriptor(n)?.base
        }
        return nil
    }

    /// The primitives the simulator computes (sorted), bases' descendants included.
    public var primitives: [String] {
        PrimitiveRegistry.shared.names.filter { factory(for: $0) != nil }.sorted()
    }
}
