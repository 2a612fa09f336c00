import CelestaIR
import CelestaXylo
import Synchronization

/// USB id pairs a program registers at run time (`celesta_xylo_hdk_register_usb_id`, Python's
/// `celesta.devices.register_xylo_usb_id`): process-wide, and looked up before the pairs of
/// `CELESTA_HDK_USB_IDS` and the built-in ones by every later discovery
/// (`USBDeviceTable.fromEnvironment()`). Thread-safe.
public enum USBDeviceRegistry {
    private static let table = Mutex(USBDeviceTable(entries: []))

    /// Registers `vendorID:productID` as a dev kit carrying `chip` (any name `ChipTable`
    /// knows); the latest registration of a pair wins. Throws `.notFound` for an unknown chip.
    public static func register(vendorID: UInt16, productID: UInt16, chip: String) throws {
        try table.withLock { try $0.register(vendorID: vendorID, productID: productID, chip: chip) }
    }

    /// The registered pairs, latest first.
    public static var registered: [USBDeviceTable.Entry] { table.withLock { $0.entries } }

    /// Forgets every registered pair.
    public static func removeAll() { table.withLock { $0 = USBDeviceTable(entries: []) } }
}
