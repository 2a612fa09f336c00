#if canImport(Glibc)
import Glibc
#endif
import CelestaIR
import CelestaXylo

/// Which USB vendor/product ids are Xylo dev kits, and which chip each carries.
///
/// The built-in entries are Celesta's assumption of the ids SynSense's boards enumerate with;
/// they have not been checked against a board (no board was at hand and the ids are not in the
/// reference facts). A user whose board enumerates differently adds its ids with
/// `CELESTA_HDK_USB_IDS` (`VID:PID=CHIP`, hex ids, entries separated by commas, e.g.
/// `337d:0c01=syns65302,1234:abcd=xa2`), or by call for the whole process
/// (`USBDeviceRegistry`, `celesta_xylo_hdk_register_usb_id`); those entries are looked up first.
public struct USBDeviceTable: Sendable, Equatable {
    /// One known id pair.
    public struct Entry: Sendable, Equatable {
        public let vendorID: UInt16
        public let productID: UInt16
        /// Canonical chip id.
        public let chipID: String
        public init(vendorID: UInt16, productID: UInt16, chipID: String) {
            self.vendorID = vendorID
            self.productID = productID
            self.chipID = chipID
        }
    }

    /// The environment variable read by `fromEnvironment()`.
    public static let environmentVariable = "CELESTA_HDK_USB_IDS"

    /// Entries, user entries first.
    public private(set) var entries: [Entry]

    /// The built-in table: the ids of every chip record's dev kit (`ChipSpec.devKitUSBIDs`; see
    /// the type's note: unverified assumptions).
    public static let builtIn = USBDeviceTable(entries: ChipTable.all.flatMap { chip in
        chip.devKitUSBIDs.map { Entry(vendorID: $0.vendorID, productID: $0.productID, chipID: chip.id) }
    })

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Adds an id pair ahead of the others. `chip` is any name `ChipTable` knows.
    public mutating func register(vendorID: UInt16, productID: UInt16, chip: String) throws {
        let spec = try ChipTable.chip(named: chip)
        entries.insert(Entry(vendorID: vendorID, productID: productID, chipID: spec.id), at: 0)
    }

    /// The chip id for a device, or nil when it is not a known dev kit.
    public func chipID(for device: USBDeviceDescriptor) -> String? {
        entries.first { $0.vendorID == device.vendorID && $0.productID == device.productID }?.chipID
    }

    /// The table discovery uses: the pairs registered by call (`USBDeviceRegistry`), then those
    /// of `CELESTA_HDK_USB_IDS` (when set), then the built-in ones.
    public static func fromEnvironment() throws -> USBDeviceTable {
        var table = builtIn
        if let raw = getenv(environmentVariable) {
            try table.add(specification: String(cString: raw), source: environmentVariable)
        }
        table.entries.insert(contentsOf: USBDeviceRegistry.registered, at: 0)
        return table
    }

    /// Adds the entries of a `VID:PID=CHIP[,VID:PID=CHIP...]` text (whitespace ignored).
    /// Throws `.parse` naming `source` and the bad entry.
    public mutating func add(specification: String, source: String = "id list") throws {
        for item in specification.split(separator: ",") {
            let entry = item.filter { !$0.isWhitespace }
            if entry.isEmpty { continue }
            let sides = entry.split(separator: "=", omittingEmptySubsequences: false)
            let ids = sides.first?.split(separator: ":", omittingEmptySubsequences: false) ?? []
            guard sides.count == 2, ids.count == 2,
                  let vid = UInt16(ids[0], radix: 16), let pid = UInt16(ids[1], radix: 16) else {
                throw CelestaError(.parse, "\(source): entry '\(entry)' is not VID:PID=CHIP with hex ids (e.g. 337d:0c02=syns65302)")
            }
            do {
                try register(vendorID: vid, productID: pid, chip: String(sides[1]))
            } catch let error as CelestaError {
                throw CelestaError(error.code, "\(source): entry '\(entry)': \(error.message)")
            }
        }
    }}
