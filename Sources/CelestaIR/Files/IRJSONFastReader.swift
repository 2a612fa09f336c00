import FoundationEssentials

extension IRJSON {
    /// A one-pass reader of IR JSON straight into the IR, for the text the library and the
    /// Python package write (a graph of thousands of nodes): no tree of JSON values, no
    /// dictionary per object, no JSON path per value.
    ///
    /// It takes only what it is sure of: on anything else (malformed text, an unknown or
    /// repeated key, an escape in a key, a number it does not read itself, a node that fails
    /// its checks...) it gives up, and `IRJSON.decode` reads the text again with the general
    /// reader, which returns the same graph or throws the error it always did. So when this
    /// reader returns a graph, it is the graph the general reader returns.
    package struct FastReader {
        /// Why the reader gave up (never shown: the general reader then says what is wrong).
        struct GiveUp: Error {}

        private let bytes: UnsafeBufferPointer<UInt8>
        private var i = 0
        private let arrays: [Tensor]
        private let mode: IRMode
        /// The text (a range of `bytes`) and shapes of the last port objects read.
        private var recentPorts: [(Range<Int>, PortShapes)] = []
        /// Below JSONParser's nesting limit, so that text the general reader refuses for
        /// its depth is never taken here.
        private static let maxDepth = 150

        /// The graph of `text`, or nil when the general reader must read it.
        package static func graph(_ text: [UInt8], arrays: [Tensor], mode: IRMode) -> IRGraph? {
            text.withUnsafeBufferPointer { buffer in
                var r = FastReader(bytes: buffer, arrays: arrays, mode: mode)
                do {
                    let g = try r.graph(depth: 0)
                    r.skipSpace()
                    return r.i == buffer.count ? g : nil
                } catch {
                    return nil
                }
            }
        }

        /// The node of `text` as `decodeNode` reads it (`name` may be absent), or nil.
        package static func node(_ text: [UInt8], arrays: [Tensor], mode: IRMode) -> IRNode? {
            text.withUnsafeBufferPointer { buffer in
                var r = FastReader(bytes: buffer, arrays: arrays, mode: mode)
                do {
                    let n = try r.node(depth: 0, nameRequired: false)
                    r.skipSpace()
                    return r.i == buffer.count ? n : nil
                } catch {
                    return nil
                }
            }
        }

        private init(bytes: UnsafeBufferPointer<UInt8>, arrays: [Tensor], mode: IRMode) {
            self.bytes = bytes
            self.arrays = arrays
            self.mode = mode
        }

        // MARK: Bytes

        private mutating func skipSpace() {
            while i < bytes.count {
                let b = bytes[i]
                guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
                i += 1
            }
        }

        /// The next byte after white space (not consumed); gives up at the end.
        private mutating func peek() throws -> UInt8 {
            skipSpace()
            guard i < bytes.count else { throw GiveUp() }
            return bytes[i]
        }

        private mutating func expect(_ b: UInt8) throws {
            guard try peek() == b else { throw GiveUp() }
            i += 1
        }

        /// After a member or an item: true for ',' (another follows), false for `close`.
        private mutating func more(_ close: UInt8) throws -> Bool {
            let b = try peek()
            i += 1
            if b == UInt8(ascii: ",") { return true }
            guard b == close else { throw GiveUp() }
            return false
        }

        /// Consumes `open`; true when the container is empty (its `close` consumed too).
        private mutating func open(_ open: UInt8, _ close: UInt8) throws -> Bool {
            try expect(open)
            guard try peek() == close else { return false }
            i += 1
            return true
        }

        private mutating func literal(_ text: StaticString) throws {
            let n = text.utf8CodeUnitCount
            guard i + n <= bytes.count else { throw GiveUp() }
            let p = text.utf8Start
            for k in 0..<n where bytes[i + k] != p[k] { throw GiveUp() }
            i += n
        }

        // MARK: Strings and keys

        /// The raw bytes of a string without escapes (the quotes consumed); gives up on an
        /// escape.
        private mutating func rawString() throws -> UnsafeBufferPointer<UInt8> {
            try expect(UInt8(ascii: "\""))
            var unused: [UInt8] = []
            guard case .plain(let range) = JSONParser.stringBytes(bytes, from: i, into: &unused) else { throw GiveUp() }
            i = range.upperBound + 1
            return UnsafeBufferPointer(rebasing: bytes[range])
        }

        /// A string value, escapes decoded as JSONParser decodes them.
        private mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            switch JSONParser.stringBytes(bytes, from: i, into: &out) {
            case .plain(let range):
                i = range.upperBound + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            case .escaped(let next):
                i = next
                return String(decoding: out, as: UTF8.self)
            case .badEscape, .unterminated:
                throw GiveUp()
            }
        }

        /// A member's key (no escapes) and its ':'.
        private mutating func key() throws -> UnsafeBufferPointer<UInt8> {
            let k = try rawString()
            try expect(UInt8(ascii: ":"))
            return k
        }

        private static func equal(_ k: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
            guard k.count == name.utf8CodeUnitCount else { return false }
            let p = name.utf8Start
            for j in 0..<k.count where k[j] != p[j] { return false }
            return true
        }

        private static func text(_ k: UnsafeBufferPointer<UInt8>) -> String { String(decoding: k, as: UTF8.self) }

        // MARK: Numbers

        private static func isNumberByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
        }

        /// A number as JSONParser reads it with `integers: true`: `.int` for digits with an
        /// optional leading '-' (at most 18 digits, so no overflow), `.float` for a number with
        /// a fraction or an exponent; gives up on anything else.
        private mutating func number() throws -> IRValue {
            let start = i
            var plain = true  // no '.', 'e', 'E'
            while i < bytes.count, Self.isNumberByte(bytes[i]) {
                let b = bytes[i]
                if b == 0x2E || b == 0x65 || b == 0x45 { plain = false }
                i += 1
            }
            guard i > start else { throw GiveUp() }
            if plain {
                var j = start
                let negative = bytes[j] == 0x2D
                if negative { j += 1 }
                let digits = i - j
                guard digits >= 1, digits <= 18 else { throw GiveUp() }
                var v = 0
                while j < i {
                    let d = bytes[j] &- 0x30
                    guard d <= 9 else { throw GiveUp() }
                    v = v * 10 + Int(d)
                    j += 1
                }
                return .int(negative ? -v : v)
            }
            guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) else { throw GiveUp() }
            return .float(d)
        }

        /// A dimension: a plain integer >= 0.
        private mutating func dimension() throws -> Int {
            _ = try peek()
            guard case .int(let n) = try number(), n >= 0 else { throw GiveUp() }
            return n
        }

        // MARK: Values

        /// A value as `Reader.value` makes it: an object with a single `$` key is a special
        /// value, other objects are dicts.
        private mutating func value(depth: Int) throws -> IRValue {
            guard depth < Self.maxDepth else { throw GiveUp() }
            switch try peek() {
            case UInt8(ascii: "{"):
                if try open(UInt8(ascii: "{"), UInt8(ascii: "}")) { return .dict(IRDict()) }
                let k = try key()
                if k.first == UInt8(ascii: "$") {
                    let v = try special(k, depth: depth + 1)
                    guard try !more(UInt8(ascii: "}")) else { throw GiveUp() }  // more keys: a dict
                    return v
                }
                return .dict(try members(firstKey: k, depth: depth))
            case UInt8(ascii: "["):
                return .list(try list(depth: depth))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .none
            default: return try number()
            }
        }

        /// The items of a list (at '[').
        private mutating func list(depth: Int) throws -> [IRValue] {
            var items: [IRValue] = []
            if try open(UInt8(ascii: "["), UInt8(ascii: "]")) { return items }
            repeat { items.append(try value(depth: depth + 1)) } while try more(UInt8(ascii: "]"))
            return items
        }

        /// The rest of a dict whose first key was read.
        private mutating func members(firstKey: UnsafeBufferPointer<UInt8>, depth: Int) throws -> IRDict {
            var d = IRDict(capacity: 4)
            var k = firstKey
            while true {
                // A repeated key keeps its first place and takes the last value, as JSONParser
                // and Reader.dict do.
                d[Self.text(k)] = try value(depth: depth + 1)
                guard try more(UInt8(ascii: "}")) else { return d }
                k = try key()
            }
        }

        /// An object as a dict, `$` keys included (Reader.dict: fields, metadata, settings).
        private mutating func dict(depth: Int) throws -> IRDict {
            guard depth < Self.maxDepth else { throw GiveUp() }
            if try open(UInt8(ascii: "{"), UInt8(ascii: "}")) { return IRDict() }
            return try members(firstKey: try key(), depth: depth)
        }

        /// The value of a single-key special object (Reader.special), its key read.
        private mutating func special(_ k: UnsafeBufferPointer<UInt8>, depth: Int) throws -> IRValue {
            if Self.equal(k, "$array") {
                _ = try peek()
                guard case .int(let n) = try number(), n >= 0, n < arrays.count else { throw GiveUp() }
                return .tensor(arrays[n])
            }
            if Self.equal(k, "$tuple") {
                guard try peek() == UInt8(ascii: "[") else { throw GiveUp() }
                return .tuple(try list(depth: depth))
            }
            if Self.equal(k, "$float") {
                guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
                let s = try rawString()
                if Self.equal(s, "nan") { return .float(.nan) }
                if Self.equal(s, "inf") { return .float(.infinity) }
                if Self.equal(s, "-inf") { return .float(-.infinity) }
                throw GiveUp()
            }
            if Self.equal(k, "$graph") { return .graph(try graph(depth: depth)) }
            if Self.equal(k, "$tensor") { return .tensor(try tensor(depth: depth)) }
            throw GiveUp()
        }

        /// `{"dtype", "shape", "b64"}` (Reader.tensor; the `data` form is left to it).
        private mutating func tensor(depth: Int) throws -> Tensor {
            guard depth < Self.maxDepth else { throw GiveUp() }
            var dtype: DType?, shape: [Int]?, b64: String?
            guard try !open(UInt8(ascii: "{"), UInt8(ascii: "}")) else { throw GiveUp() }
            repeat {
                let k = try key()
                if Self.equal(k, "dtype"), dtype == nil {
                    guard try peek() == UInt8(ascii: "\""), let t = DType(numpy: try string()) else { throw GiveUp() }
                    dtype = t
                } else if Self.equal(k, "shape"), shape == nil {
                    var dims: [Int] = []
                    if try !open(UInt8(ascii: "["), UInt8(ascii: "]")) {
                        repeat { dims.append(try dimension()) } while try more(UInt8(ascii: "]"))
                    }
                    shape = dims
                } else if Self.equal(k, "b64"), b64 == nil {
                    guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
                    b64 = try string()
                } else {
                    throw GiveUp()
                }
            } while try more(UInt8(ascii: "}"))
            guard let dtype, let shape, let b64, let data = Data(base64Encoded: b64) else { throw GiveUp() }
            return try Tensor(dtype: dtype, shape: shape, bytes: [UInt8](data))
        }

        // MARK: Graphs and nodes

        /// Port shapes (Reader.ports): null, or an object of lists of dimensions. The text of
        /// the last few objects is kept with their shapes: the same bytes again (most nodes'
        /// ports) are the same shapes, shared rather than read again.
        private mutating func ports() throws -> PortShapes? {
            if try peek() == UInt8(ascii: "n") {
                try literal("null")
                return nil
            }
            let start = i
            for (range, shapes) in recentPorts where sameBytes(range, at: start) {
                i = start + range.count
                return shapes
            }
            let shapes = try portsObject()
            if recentPorts.count == 4 { recentPorts.removeFirst() }
            recentPorts.append((start..<i, shapes))
            return shapes
        }

        /// True when the bytes at `start` repeat those of `range`.
        private func sameBytes(_ range: Range<Int>, at start: Int) -> Bool {
            guard range.count <= bytes.count - start else { return false }
            for k in 0..<range.count where bytes[range.lowerBound + k] != bytes[start + k] { return false }
            return true
        }

        private mutating func portsObject() throws -> PortShapes {
            var list: [PortShapes.Port] = []
            if try open(UInt8(ascii: "{"), UInt8(ascii: "}")) { return PortShapes(list) }
            repeat {
                let name = Self.text(try key())
                guard !list.contains(where: { $0.name == name }) else { throw GiveUp() }
                var dims: [Int] = []
                if try !open(UInt8(ascii: "["), UInt8(ascii: "]")) {
                    repeat { dims.append(try dimension()) } while try more(UInt8(ascii: "]"))
                }
                list.append(PortShapes.Port(name, dims))
            } while try more(UInt8(ascii: "}"))
            return PortShapes(list)
        }

        /// A node object (Reader.graph's loop body, or decodeNode's when `name` may be absent),
        /// made through its primitive's checks.
        private mutating func node(depth: Int, nameRequired: Bool) throws -> IRNode {
            guard depth < Self.maxDepth else { throw GiveUp() }
            var name: String?, type: String?, fields: IRDict?
            var input: PortShapes?, output: PortShapes?
            var seenInput = false, seenOutput = false
            guard try !open(UInt8(ascii: "{"), UInt8(ascii: "}")) else { throw GiveUp() }
            repeat {
                let k = try key()
                if Self.equal(k, "name"), name == nil {
                    guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
                    name = try string()
                } else if Self.equal(k, "type"), type == nil {
                    guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
                    type = try string()
                } else if Self.equal(k, "fields"), fields == nil {
                    fields = try dict(depth: depth + 1)
                } else if Self.equal(k, "input_type"), !seenInput {
                    input = try ports()
                    seenInput = true
                } else if Self.equal(k, "output_type"), !seenOutput {
                    output = try ports()
                    seenOutput = true
                } else {
                    throw GiveUp()
                }
            } while try more(UInt8(ascii: "}"))
            guard let type, name != nil || !nameRequired else { throw GiveUp() }
            return try IRNode.make(name: name ?? "", type: type, fields: fields ?? IRDict(), inputType: input, outputType: output, mode: mode)
        }

        /// A graph object (Reader.graph).
        private mutating func graph(depth: Int) throws -> IRGraph {
            guard depth < Self.maxDepth else { throw GiveUp() }
            var g = try IRGraph()
            var seen = (format: false, nodes: false, edges: false, metadata: false, allowCycles: false, settings: false)
            guard try !open(UInt8(ascii: "{"), UInt8(ascii: "}")) else { throw GiveUp() }
            repeat {
                let k = try key()
                if Self.equal(k, "format"), !seen.format {
                    guard try peek() == UInt8(ascii: "\""), Self.equal(try rawString(), "celesta.ir/1") else { throw GiveUp() }
                    seen.format = true
                } else if Self.equal(k, "nodes"), !seen.nodes {
                    if try !open(UInt8(ascii: "["), UInt8(ascii: "]")) {
                        repeat { try g.add(try node(depth: depth + 2, nameRequired: true)) } while try more(UInt8(ascii: "]"))
                    }
                    seen.nodes = true
                } else if Self.equal(k, "edges"), !seen.edges {
                    if try !open(UInt8(ascii: "["), UInt8(ascii: "]")) {
                        repeat {
                            try expect(UInt8(ascii: "["))
                            let s = try string()
                            try expect(UInt8(ascii: ","))
                            let t = try string()
                            try expect(UInt8(ascii: "]"))
                            g.connect(s, t)
                        } while try more(UInt8(ascii: "]"))
                    }
                    seen.edges = true
                } else if Self.equal(k, "metadata"), !seen.metadata {
                    if try peek() == UInt8(ascii: "n") { try literal("null") } else { g.metadata = try dict(depth: depth + 1) }
                    seen.metadata = true
                } else if Self.equal(k, "allow_cycles"), !seen.allowCycles {
                    switch try peek() {
                    case UInt8(ascii: "t"): try literal("true"); g.allowCycles = true
                    case UInt8(ascii: "f"): try literal("false"); g.allowCycles = false
                    default: throw GiveUp()
                    }
                    seen.allowCycles = true
                } else if Self.equal(k, "settings"), !seen.settings {
                    if try peek() == UInt8(ascii: "n") { try literal("null") } else { g.settings = try dict(depth: depth + 1) }
                    seen.settings = true
                } else {
                    throw GiveUp()
                }
            } while try more(UInt8(ascii: "}"))
            guard seen.nodes else { throw GiveUp() }
            return g
        }
    }
}
