import CelestaIR
/// The order of a hidden neuron's recurrent fan-out list (Xylo reference facts, section 10, as
/// xylosim's RAM-file exporter shows it):
/// * entries follow increasing target id; connections repeated to one target are emitted
///   round-robin: each round takes the next connection of every target that still has one,
///   in increasing target id;
/// * where the same target would occupy two consecutive entries, a zero-weight dummy entry is
///   put between them. It goes to the last hidden neuron (`nHidden - 1`), or to neuron 0 when
///   the repeated target is the last hidden neuron itself.
///
/// A configuration holds one weight pair per (source, target), so the lists the encoder makes
/// have distinct targets and never need a dummy; the rule matters for lists made from
/// repeated connections, and the decoder accepts dummy entries (any entry whose weights are
/// all 0) but rejects a list in which one target follows itself.
public enum XyloFanout {
    /// One fan-out entry: the target hidden neuron and the weights of synapse 1 and 2.
    public struct Entry: Sendable, Equatable {
        public let target: Int
        public let weight1: Int
        public let weight2: Int

        public init(target: Int, weight1: Int, weight2: Int) {
            self.target = target
            self.weight1 = weight1
            self.weight2 = weight2
        }

        /// Whether both weights are 0 (a dummy entry adds nothing).
        public var isDummy: Bool { weight1 == 0 && weight2 == 0 }
    }

    /// The list for `connections` (any order, targets may repeat) of a network with `nHidden`
    /// hidden neurons, ordered and padded by the rules above.
    public static func list(_ connections: [Entry], nHidden: Int) -> [Entry] {
        // Connections per target, in the given order within one target.
        let sorted = connections.enumerated().sorted {
            ($0.element.target, $0.offset) < ($1.element.target, $1.offset)
        }.map(\.element)
        var groups: [[Entry]] = []
        for entry in sorted {
            if let last = groups.last?.last, last.target == entry.target {
                groups[groups.count - 1].append(entry)
            } else {
                groups.append([entry])
            }
        }
        var out: [Entry] = []
        out.reserveCapacity(connections.count)
        var round = 0
        while true {
            var emitted = false
            for group in groups where round < group.count {
                let entry = group[round]
                if let previous = out.last, previous.target == entry.target {
                    let last = nHidden - 1
                    out.append(Entry(target: entry.target == last ? 0 : last, weight1: 0, weight2: 0))
                }
                out.append(entry)
                emitted = true
            }
            if !emitted { return out }
            round += 1
        }
    }
}
