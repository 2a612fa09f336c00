import CelestaIR
/// Where the decay shifts of a block of eight neurons come from. Two strategies give the same
/// values: per-lane dashes (a high multiply, see `LaneMath.shiftRight`), and one dash shared by
/// every hidden neuron (one shift instruction), which the simulator picks when the
/// configuration allows it. Each gets its own specialized integration loop.
protocol LaneDecay {
    /// `d(x, dash)` per lane, for the dash `kind` of the neurons whose parameter blocks start
    /// at `parameters`.
    func decay(_ x: Lanes, _ kind: DashKind, _ parameters: UnsafeMutablePointer<Int16>) -> Lanes
}

/// The three dashes of a neuron.
enum DashKind {
    case syn, syn2, mem
}

/// Dashes read per lane from the parameter blocks.
struct PerLaneDecay: LaneDecay {
    @inline(__always)
    func decay(_ x: Lanes, _ kind: DashKind, _ parameters: UnsafeMutablePointer<Int16>) -> Lanes {
        let (m, pass): (NeuronParameter, NeuronParameter) = switch kind {
        case .syn: (.synMultiplier, .synPass)
        case .syn2: (.syn2Multiplier, .syn2Pass)
        case .mem: (.memMultiplier, .memPass)
        }
        return LaneMath.decay(
            x, SIMD8<UInt16>(truncatingIfNeeded: parameters.block(m.rawValue)), parameters.block(pass.rawValue))
    }
}

/// One dash per kind for every lane (`CompiledNetwork.uniformDashes`).
struct UniformDecay: LaneDecay {
    /// Kept as scalars: a count splatted where it is used is seen by the compiler as one
    /// count for all lanes (a single shift instruction), a stored vector is not.
    let syn, syn2, mem: Int16

    init(_ dashes: (syn: Int, syn2: Int, mem: Int)) {
        syn = Int16(dashes.syn)
        syn2 = Int16(dashes.syn2)
        mem = Int16(dashes.mem)
    }

    @inline(__always)
    func decay(_ x: Lanes, _ kind: DashKind, _ parameters: UnsafeMutablePointer<Int16>) -> Lanes {
        let shift: Int16 = switch kind {
        case .syn: syn
        case .syn2: syn2
        case .mem: mem
        }
        // As `LaneMath.decay`: max(x >> dash, min(x, 1)); dashes are 0...15 here.
        return pointwiseMax(x &>> Lanes(repeating: shift), pointwiseMin(x, Lanes(repeating: 1)))
    }
}
