/// The shapes at a node's ports: TALON's `input_type` / `output_type` dicts
/// (`{"input": [2, 8, 8]}`), NIR's likewise. Ports keep their order.
public struct PortShapes: Sendable, Equatable {
    public struct Port: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public init(_ name: String, _ shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    public var ports: [Port]

    public init(_ ports: [Port] = []) { self.ports = ports }
    /// One port named `name`.
    public init(_ name: String, _ shape: [Int]) { ports = [Port(name, shape)] }

    public var isEmpty: Bool { ports.isEmpty }
    public subscript(name: String) -> [Int]? { ports.first { $0.name == name }?.shape }
    /// The first port's shape (the usual single-port case).
    public var first: [Int]? { ports.first?.shape }

    /// The most elements a port may hold (2^40), counting the magnitudes of its non-zero
    /// dimensions: shapes read from a file (NIR's `input_type`, a conv's `input_shape`) can be
    /// hostile, and every product of a port's dimensions is then safe from overflow.
    public static let maxElements = 1 << 40

    /// The first port whose shape exceeds `maxElements`, with its name, or nil.
    public var oversized: Port? {
        ports.first { port in
            var n = 1
            for d in port.shape where d != 0 {
                let (p, overflow) = n.multipliedReportingOverflow(by: d.magnitude > UInt(Int.max) ? Int.max : abs(d))
                guard !overflow, p <= Self.maxElements else { return true }
                n = p
            }
            return false
        }
    }

    /// `{'input': (2, 8, 8)}` style, for messages.
    public var description: String {
        "{" + ports.map { "'\($0.name)': \($0.shape)" }.joined(separator: ", ") + "}"
    }
}

/// One node of an `IRGraph`: a name, the name of its primitive (`Affine`, `LIF`, `Conv2d`,
/// `CubaLIF`...), its fields in the primitive's order and the shapes of its ports.
///
/// Nodes are made by `IRNode.make`, which checks the fields against the primitive's descriptor
/// (TALON's constructor checks and messages), fills defaults and infers the port shapes; a node
/// that exists is well-formed for its primitive.
public struct IRNode: Sendable, Equatable {
    public var name: String
    /// The primitive's name (the descriptor's `name`).
    public var type: String
    /// Every field that is set (None omitted), in the descriptor's field order.
    public var fields: IRDict
    /// The input port shapes, or nil when unknown (TALON's None).
    public var inputType: PortShapes?
    /// The output port shapes, or nil when unknown.
    public var outputType: PortShapes?

    public init(name: String, type: String, fields: IRDict, inputType: PortShapes?, outputType: PortShapes?) {
        self.name = name
        self.type = type
        self.fields = fields
        self.inputType = inputType
        self.outputType = outputType
    }

    public subscript(field: String) -> IRValue? { fields[field] }

    /// The array in `field`, if it holds one.
    public func tensor(_ field: String) -> Tensor? { fields[field]?.tensor }

    /// The descriptor of the node's primitive.
    public var descriptor: PrimitiveDescriptor? { PrimitiveRegistry.shared.descriptor(type) }

    /// True when the primitive is `name` or derives from it (TALON's isinstance: an `SConv`
    /// is a `Conv2d`).
    public func isA(_ name: String) -> Bool { PrimitiveRegistry.shared.isA(type, name) }

    /// A nested graph (NIR's `NIRGraph` node), or nil.
    public var subgraph: IRGraph? {
        if case .graph(let g)? = fields["graph"] { return g }
        return nil
    }
}
