/// How the visualisation draws each primitive and pattern group, as data (one table, not a
/// `switch` per view). The colours, shapes and per-type display fields are TALON's
/// (`talon.viz` 0.0.3), so that `graph_to_dict` gives the same values; primitives TALON has
/// no entry for get its defaults.
public enum VizStyle {
    /// One primitive's look: fill colour, outline shape, and the fields shown on the node.
    public struct NodeStyle: Sendable {
        public let color: String
        public let shape: String
        public let displayParams: [String]
    }

    public static let defaultNodeColor = "#e0e0e0"
    public static let defaultNodeShape = "rectangle"

    /// Per primitive: (colour, shape, displayed fields).
    private static let nodes: [String: NodeStyle] = {
        let rows: [(String, String, String, [String])] = [
            ("Input", "#a5d6a7", "terminal", []),
            ("Output", "#ffcdd2", "terminal", []),
            ("Affine", "#90caf9", "rectangle", []),
            ("SpikingAffine", "#ce93d8", "rectangle", ["spike_mode", "weight_bits"]),
            ("LIF", "#80deea", "neuron", ["tau", "v_threshold"]),
            ("Conv2d", "#ffcc80", "rectangle", ["kernel_size", "stride"]),
            ("SepConv2d", "#ffab91", "rectangle", ["kernel_size", "stride"]),
            ("MaxPool2d", "#bcaaa4", "trapezoid", ["kernel_size"]),
            ("AvgPool2d", "#90a4ae", "trapezoid", ["kernel_size"]),
            ("Upsample", "#b39ddb", "invtrapezoid", ["scale_factor", "mode"]),
            ("Flatten", "#e0e0e0", "narrow", []),
            ("Skip", "#ffe082", "diamond", ["skip_type"]),
            ("Graph", "#bdbdbd", "rectangle", []),
            ("ChannelSplit", "#f0f4c3", "narrow", ["split_sections"]),
            ("Concat", "#dcedc8", "narrow", ["num_inputs"]),
            ("SGhostConv", "#c5e1a5", "rectangle", ["primary_stride"]),
            ("SGhostEncoderLite", "#aed581", "hexagon", ["stride"]),
            ("GhostBasicBlock1", "#81c784", "hexagon", ["stride"]),
            ("GhostBasicBlock2", "#66bb6a", "hexagon", []),
            ("SDDetect", "#ef9a9a", "rectangle", ["num_classes", "reg_max", "stride"]),
            ("DFLDecode", "#e57373", "rectangle", ["reg_max"]),
            ("Dist2BBox", "#ef5350", "rectangle", ["stride"]),
            ("NMS", "#d32f2f", "octagon", ["score_threshold", "iou_threshold", "max_detections"]),
        ]
        var out: [String: NodeStyle] = [:]
        for (name, color, shape, shown) in rows { out[name] = NodeStyle(color: color, shape: shape, displayParams: shown) }
        return out
    }()

    /// The look of a primitive (TALON's defaults for a type it has no entry for).
    public static func node(_ type: String) -> NodeStyle {
        nodes[type] ?? NodeStyle(color: defaultNodeColor, shape: defaultNodeShape, displayParams: [])
    }

    /// A pattern group's look: colour, shape, icon and the metadata keys shown on it.
    public struct GroupStyle: Sendable {
        public let color: String
        public let shape: String
        public let icon: String
        public let displayParams: [String]
    }

    private static let groups: [String: GroupStyle] = [
        "RepConv": GroupStyle(color: "#b39ddb", shape: "hexagon", icon: "\u{2295}", displayParams: ["branches"]),
        "SPP": GroupStyle(color: "#a5d6a7", shape: "octagon", icon: "\u{2AF4}", displayParams: ["num_scales"]),
        "SPPF": GroupStyle(color: "#80cbc4", shape: "octagon", icon: "\u{22EE}", displayParams: ["chain_depth", "kernel_size"]),
        "SkipConnection": GroupStyle(color: "#ffe082", shape: "diamond", icon: "\u{21B7}", displayParams: ["processing_depth", "path_types"]),
    ]

    public static func group(_ type: String) -> GroupStyle {
        groups[type] ?? GroupStyle(color: "#c5cae9", shape: "rectangle", icon: "\u{25EB}", displayParams: [])
    }

    /// Outline colours of the cores in the partitioned view (core `c` takes entry
    /// `c % count`).
    public static let coreColors = [
        "#4285F4", "#EA4335", "#34A853", "#FBBC05", "#9C27B0", "#FF6D00", "#00BCD4", "#795548",
        "#607D8B", "#E91E63", "#3F51B5", "#009688", "#CDDC39", "#FF5722", "#673AB7", "#2196F3",
    ]

    public static func coreColor(_ core: Int) -> String {
        let n = coreColors.count
        return coreColors[((core % n) + n) % n]
    }

    /// The fills of the partitioned and schedule views (by kind of primitive: one colour for
    /// convolutions, one for neurons..., as TALON's compiled views).
    private static let kindColors: [String: String] = {
        let rows: [(String, [String])] = [
            ("#78909C", ["Input", "Output"]),
            ("#2196F3", ["Conv2d", "Conv1d"]),
            ("#1976D2", ["SepConv2d"]),
            ("#FF9800", ["Affine"]),
            ("#F57C00", ["SpikingAffine"]),
            ("#4CAF50", ["LIF"]),
            ("#8BC34A", ["ReLU", "Sigmoid", "Tanh", "Softmax", "Concat"]),
            ("#9C27B0", ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]),
            ("#FFC107", ["MaxPool2d", "AvgPool2d"]),
            ("#607D8B", ["Flatten"]),
            ("#9E9E9E", ["Dropout"]),
            ("#00BCD4", ["Skip"]),
            ("#03A9F4", ["Upsample"]),
            ("#E91E63", ["HybridRegion"]),
            ("#CDDC39", ["ChannelSplit"]),
            ("#66BB6A", ["SGhostConv"]),
            ("#43A047", ["SGhostEncoderLite"]),
            ("#2E7D32", ["GhostBasicBlock1"]),
            ("#388E3C", ["GhostBasicBlock2"]),
            ("#E53935", ["SDDetect"]),
            ("#C62828", ["DFLDecode"]),
            ("#B71C1C", ["Dist2BBox"]),
            ("#880E4F", ["NMS"]),
        ]
        var out: [String: String] = [:]
        for (color, types) in rows { for t in types { out[t] = color } }
        return out
    }()

    /// The fill of a primitive in the partitioned and schedule views.
    public static func kindColor(_ type: String) -> String { kindColors[type] ?? "#90A4AE" }
}
