/// Fan-out lists of one weight matrix, compiled for delivery: for each source, the synapses it
/// drives, in the order the core delivers them (all synapse-0 targets in increasing id, then
/// all synapse-1 targets), with the shifted 16-bit weight. Zero weights are left out, as
/// Rockpool's simulator wrapper leaves them out.
///
/// Storage is allocated once and read through raw buffers in the simulation loop.
final class SynapseTable: @unchecked Sendable {
    /// `start[s] ..< start[s + 1]` are the synapses of source `s`.
    let start: UnsafeMutableBufferPointer<Int32>
    /// Index into the simulator's synaptic-state array.
    let target: UnsafeMutableBufferPointer<Int32>
    let weight: UnsafeMutableBufferPointer<Int32>

    init(sources: Int, build: (Int, (_ target: Int, _ weight: Int32) -> Void) -> Void) {
        var starts: [Int32] = [0]
        var targets: [Int32] = []
        var weights: [Int32] = []
        starts.reserveCapacity(sources + 1)
        for s in 0..<sources {
            build(s) { t, w in
                if w != 0 {
                    targets.append(Int32(t))
                    weights.append(w)
                }
            }
            starts.append(Int32(targets.count))
        }
        start = .allocate(capacity: starts.count)
        _ = start.initialize(from: starts)
        target = .allocate(capacity: max(targets.count, 1))
        _ = target.initialize(from: targets)
        weight = .allocate(capacity: max(weights.count, 1))
        _ = weight.initialize(from: weights)
    }

    deinit {
        start.deallocate()
        target.deallocate()
        weight.deallocate()
    }

    /// Number of synapses.
    var count: Int { Int(start[start.count - 1]) }

    /// Raw pointers for the simulation loop (no reference counting there, so threads running
    /// copies of one network do not contend on the table objects).
    var view: View { View(start: start.baseAddress!, target: target.baseAddress!, weight: weight.baseAddress!) }

    struct View {
        let start: UnsafeMutablePointer<Int32>
        let target: UnsafeMutablePointer<Int32>
        let weight: UnsafeMutablePointer<Int32>

        /// Adds `n` times each synapse of `source` to `syn`, saturating to int16. Repeated
        /// additions of one weight are monotone, so one clamp of `n * w` equals `n` saturating
        /// additions. Returns whether the source has any synapse.
        @inline(__always)
        func deliver(source s: Int, count n: Int32, into syn: UnsafeMutablePointer<Int32>) -> Bool {
            let a = Int(start[s]), b = Int(start[s + 1])
            if a == b { return false }
            for k in a..<b {
                let j = Int(target[k])
                // |syn| <= 2^15 and |n * w| <= 31 * 2^15: the sum cannot leave Int32, so the
                // unchecked operators are exact (and let the loop run without overflow branches).
                syn[j] = HardwareArithmetic.saturate16(syn[j] &+ n &* weight[k])
            }
            return true
        }
    }
}
