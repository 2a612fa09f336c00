/// An HDF5 file as plain values: a tree of groups and datasets with their attributes, read
/// whole into memory by `HDF5File.read` and written by `HDF5File.write`. This layer knows
/// nothing of graphs: `.t1c`, `.nir` and event files are built on it.

/// One object of the tree.
public indirect enum HDF5Node: Sendable, Equatable {
    case group(HDF5Group)
    case dataset(HDF5Dataset)
}

/// The value of a dataset or an attribute.
public enum HDF5Value: Sendable, Equatable {
    /// Integer or floating-point data of any rank (shape `[]` is a scalar), little-endian in its
    /// stored type.
    case numbers(Tensor)
    /// h5py's bool: an HDF5 enum {FALSE = 0, TRUE = 1} over int8. `values.count` is the
    /// product of `shape`.
    case bools(shape: [Int], values: [Bool])
    /// Strings, variable-length UTF-8 when written (fixed-length and ASCII strings are read as
    /// well). `values.count` is the product of `shape`.
    case strings(shape: [Int], values: [String])

    /// The dimensions (`[]` for a scalar).
    public var shape: [Int] {
        switch self {
        case .numbers(let t): return t.shape
        case .bools(let shape, _), .strings(let shape, _): return shape
        }
    }

    /// A scalar string.
    public static func string(_ s: String) -> HDF5Value { .strings(shape: [], values: [s]) }
    /// A 1-D string array.
    public static func strings(_ values: [String]) -> HDF5Value { .strings(shape: [values.count], values: values) }
    /// A scalar bool.
    public static func bool(_ b: Bool) -> HDF5Value { .bools(shape: [], values: [b]) }

    /// The scalar string, or nil when this is not one.
    public var stringValue: String? {
        if case .strings(let shape, let values) = self, shape.isEmpty { return values.first }
        return nil
    }
}

/// How a dataset is (or is to be) laid out in the file.
public enum HDF5Storage: Sendable, Equatable, Hashable {
    /// One block in the file (h5py's default).
    case contiguous
    /// The data inside the object header (small arrays only, at most ~64 KiB).
    case compact
    /// Chunked, optionally gzip-compressed (level 0...9). An empty `chunk` lets the writer choose
    /// the chunk shape as h5py does (the whole array for small arrays).
    case chunked(chunk: [Int], gzipLevel: Int?)

    /// h5py's `compression="gzip"` with its default level 4, chunk shape chosen by the writer.
    public static let gzip = HDF5Storage.chunked(chunk: [], gzipLevel: 4)
}

/// A named attribute list, compared in order.
public typealias HDF5Attributes = [(name: String, value: HDF5Value)]

/// A dataset: its value, its attributes and its storage.
public struct HDF5Dataset: Sendable, Equatable {
    public var value: HDF5Value
    public var attributes: HDF5Attributes
    public var storage: HDF5Storage

    public init(_ value: HDF5Value, attributes: HDF5Attributes = [], storage: HDF5Storage = .contiguous) {
        self.value = value
        self.attributes = attributes
        self.storage = storage
    }

    public static func == (a: HDF5Dataset, b: HDF5Dataset) -> Bool {
        a.value == b.value && a.storage == b.storage && sameAttributes(a.attributes, b.attributes)
    }

    /// The attribute named `name`.
    public func attribute(_ name: String) -> HDF5Value? {
        attributes.first { $0.name == name }?.value
    }
}

/// A group: its children in order (HDF5 name order when read) and its attributes.
public struct HDF5Group: Sendable, Equatable {
    public var children: [(name: String, node: HDF5Node)]
    public var attributes: HDF5Attributes

    public init(children: [(name: String, node: HDF5Node)] = [], attributes: HDF5Attributes = []) {
        self.children = children
        self.attributes = attributes
    }

    public static func == (a: HDF5Group, b: HDF5Group) -> Bool {
        guard a.children.count == b.children.count, sameAttributes(a.attributes, b.attributes) else { return false }
        for (x, y) in zip(a.children, b.children) where x.name != y.name || x.node != y.node { return false }
        return true
    }

    /// The child named `name` (the first, should a built tree hold two).
    public subscript(name: String) -> HDF5Node? {
        children.first { $0.name == name }?.node
    }

    /// The child group named `name`.
    public func group(_ name: String) -> HDF5Group? {
        if case .group(let g)? = self[name] { return g }
        return nil
    }

    /// The child dataset named `name`.
    public func dataset(_ name: String) -> HDF5Dataset? {
        if case .dataset(let d)? = self[name] { return d }
        return nil
    }

    /// The object at a slash-separated path below this group (`"graph/nodes/fc1"`; a leading
    /// slash is ignored; `""` is this group).
    public func node(at path: String) -> HDF5Node? {
        var node = HDF5Node.group(self)
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard case .group(let g) = node, let child = g[String(part)] else { return nil }
            node = child
        }
        return node
    }

    /// The attribute named `name`.
    public func attribute(_ name: String) -> HDF5Value? {
        attributes.first { $0.name == name }?.value
    }

    /// Adds (or replaces) the child `name`.
    public mutating func set(_ name: String, _ node: HDF5Node) {
        if let i = children.firstIndex(where: { $0.name == name }) {
            children[i].node = node
        } else {
            children.append((name: name, node: node))
        }
    }
}

private func sameAttributes(_ a: HDF5Attributes, _ b: HDF5Attributes) -> Bool {
    a.count == b.count && !zip(a, b).contains { $0.name != $1.name || $0.value != $1.value }
}
