/// What the analyses ask of a node's primitive, looked up once per primitive of a graph
/// (the registry's lookups take a lock; a graph of thousands of nodes has a handful of types;
/// a class, so that handing it out costs one retain).
final class TypeInfo: Sendable {
    /// The facts along the base chain, and those given for exactly this primitive.
    let facts: AnalysisFacts?
    let exact: AnalysisFacts?
    let isInput, isOutput, isLIF, isSkip, isSpikingAffine, isGhostBlock1, isDetect: Bool

    init(_ type: String) {
        let r = PrimitiveRegistry.shared
        facts = AnalysisFacts.of(type)
        exact = AnalysisFacts.exact(type)
        isInput = r.isA(type, "Input")
        isOutput = r.isA(type, "Output")
        isLIF = r.isA(type, "LIF")
        isSkip = r.isA(type, "Skip")
        isSpikingAffine = r.isA(type, "SpikingAffine")
        isGhostBlock1 = r.isA(type, "GhostBasicBlock1")
        isDetect = r.isA(type, "SDDetect")
    }
}

/// TypeInfo per primitive name, filled on first use.
struct TypeInfoCache {
    /// The primitives seen, in first-seen order: a graph has a handful, and comparing a type
    /// name with a few short names costs less than hashing it (asked once per node per pass).
    private var seen: [(String, TypeInfo)] = []
    private var table: [String: TypeInfo] = [:]

    mutating func callAsFunction(_ type: String) -> TypeInfo {
        for (name, info) in seen where name == type { return info }
        if let t = table[type] { return t }
        let t = TypeInfo(type)
        table[type] = t
        if seen.count < 8 { seen.append((type, t)) }
        return t
    }
}
