import CelestaCore
import Synchronization

/// USB id pairs a program registers at run time (`celesta_hdk_register_usb_id`, Python's
/// `celesta.devices.register_xylo_usb_id`): process-wide, and looked up before the pairs of
/// `CELESTA_HDK_USB_IDS` and the built-in ones by every later discovery
/// (`USBDeviceTable.fromEnvironment()`). Thread-safe.
public enum USBDeviceRegistry {
    private static let entries = Mutex<[USBDeviceTable.Entry]>([])

    /// Registers `vendorID:productID` as a dev kit carrying `chip` (any name `ChipTable`
    /// knows); the latest registration of a pair wins. Throws `.notFound` for an unknown chip.
    public static func register(vendorID: UInt16, productID: UInt16, chip: String) throws {
        let spec = try ChipTable.chip(named: chip)
        let entry = USBDeviceTable.Entry(vendorID: vendorID, productID: productID, chipID: spec.id)
        entries.withLock { $0.insert(entry, at: 0) }
    }

    /// The registered pairs, latest first.
    public static var registered: [USBDeviceTable.Entry] { entries.withLock { $0 } }

    /// Forgets every registered pair.
    public static func removeAll() { entries.withLock { $0.removeAll() } }
}
