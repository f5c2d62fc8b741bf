import type { Node } from '../dt/model.js';
import { check, propCheck, selecting, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { baseNameIs, cellAt, hex32, nodeIsCompatible, unitName, valueIsCString } from './values.js';

/**
 * Bus bridges and their children's addresses: PCI, simple-bus, I2C, SPI
 * (dtc 1.6.1 checks.c). A bridge check records the bus kind on the node; the
 * *_reg checks then look at the children of such nodes.
 */

// ---- PCI ----

function pciBridge(ctx: CheckContext, node: Node): void {
  const dt = node.getProperty('device_type');
  if (!dt || !valueIsCString(dt.value, 'pci')) return;
  ctx.bus.set(node, 'pci');
  if (node.basename !== 'pci' && node.basename !== 'pcie') ctx.fail(node, 'node name is not "pci" or "pcie"');
  if (!node.getProperty('ranges')) ctx.fail(node, 'missing ranges for PCI bridge (or not a bridge)');
  if (ctx.nodeAddrCells(node) !== 3) ctx.fail(node, 'incorrect #address-cells for PCI bridge');
  if (ctx.nodeSizeCells(node) !== 2) ctx.fail(node, 'incorrect #size-cells for PCI bridge');
  const br = node.getProperty('bus-range');
  if (!br) return;
  if (br.value.length !== 8) {
    ctx.failProp(node, br, 'value must be 2 cells');
    return;
  }
  const lo = cellAt(br.value, 0);
  const hi = cellAt(br.value, 1);
  if (lo > hi) ctx.failProp(node, br, '1st cell must be less than or equal to 2nd cell');
  if (hi > 0xff) ctx.failProp(node, br, 'maximum bus number must be less than 256');
}

function pciDeviceBusNum(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'pci') return;
  const reg = node.getProperty('reg');
  if (!reg) return;
  const busNum = (cellAt(reg.value, 0) & 0x00ff0000) >>> 16;
  const br = node.parent.getProperty('bus-range');
  const min = br ? cellAt(br.value, 0) : 0;
  // dtc 1.6.1 reads the maximum from the first cell too (fixed in later versions).
  const max = br ? cellAt(br.value, 0) : 0;
  // dtc reports this against the *parent's* bus-range property (or the node when absent).
  if (busNum < min || busNum > max)
    ctx.failProp(node, br, `PCI bus number ${busNum} out of range, expected (${min} - ${max})`);
}

function pciDeviceReg(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'pci') return;
  const reg = node.getProperty('reg');
  if (!reg) return;
  const unit = unitName(node);
  if (cellAt(reg.value, 1) || cellAt(reg.value, 2))
    ctx.failProp(node, reg, 'PCI reg config space address cells 2 and 3 must be 0');
  const r = cellAt(reg.value, 0);
  const dev = (r & 0xf800) >>> 11;
  const func = (r & 0x700) >>> 8;
  if (r & 0xff000000) ctx.failProp(node, reg, 'PCI reg address is not configuration space');
  if (r & 0xff) ctx.failProp(node, reg, 'PCI reg config space address register number must be 0');
  if (func === 0 && unit === hex32(dev)) return;
  const expected = `${hex32(dev)},${hex32(func)}`;
  if (unit === expected) return;
  ctx.fail(node, `PCI unit address format error, expected "${expected}"`);
}

// ---- simple-bus ----

function simpleBusBridge(ctx: CheckContext, node: Node): void {
  if (nodeIsCompatible(node, 'simple-bus')) ctx.bus.set(node, 'simple-bus');
}

function simpleBusReg(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'simple-bus') return;
  let value: Uint8Array | undefined;
  let first = 0;
  const reg = node.getProperty('reg');
  if (reg) value = reg.value;
  else {
    const ranges = node.getProperty('ranges');
    if (ranges && ranges.value.length) {
      // Skip the child address; the parent address follows.
      value = ranges.value;
      first = ctx.nodeAddrCells(node);
    }
  }
  if (!value) {
    // A nested simple-bus without reg/ranges is accepted.
    if (node.parent.parent && ctx.bus.get(node) !== 'simple-bus')
      ctx.fail(node, 'missing or empty reg/ranges property');
    return;
  }
  let addr = 0n;
  let size = ctx.nodeAddrCells(node.parent);
  let i = first;
  // C: uint64 accumulation, `size` counted down as an int (negative loops until wrap: treat as none).
  while (size-- > 0) addr = BigInt.asUintN(64, (addr << 32n) | BigInt(cellAt(value, i++)));
  const expected = addr.toString(16);
  if (unitName(node) !== expected)
    ctx.fail(node, `simple-bus unit address format error, expected "${expected}"`);
}

// ---- I2C ----

function i2cBusBridge(ctx: CheckContext, node: Node): void {
  if (baseNameIs(node, 'i2c-bus') || baseNameIs(node, 'i2c-arb')) {
    ctx.bus.set(node, 'i2c-bus');
  } else if (baseNameIs(node, 'i2c')) {
    // dtc looks for an `i2c-bus` child here but compares with the parent's
    // base-name length, so the test never matches: every `i2c` node is a bus.
    ctx.bus.set(node, 'i2c-bus');
  } else return;
  if (node.children.length === 0) return;
  if (ctx.nodeAddrCells(node) !== 1) ctx.fail(node, 'incorrect #address-cells for I2C bus');
  if (ctx.nodeSizeCells(node) !== 0) ctx.fail(node, 'incorrect #size-cells for I2C bus');
}

const I2C_OWN_SLAVE_ADDRESS = 0x40000000;
const I2C_TEN_BIT_ADDRESS = 0x80000000;

function i2cBusReg(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'i2c-bus') return;
  const reg = node.getProperty('reg');
  if (!reg || reg.value.length === 0) {
    ctx.fail(node, 'missing or empty reg property');
    return;
  }
  let r = (cellAt(reg.value, 0) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
  const expected = hex32(r);
  if (unitName(node) !== expected)
    ctx.fail(node, `I2C bus unit address format error, expected "${expected}"`);
  for (let len = reg.value.length, i = 0; len > 0; len -= 4, i++) {
    r = (cellAt(reg.value, i) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
    // 1.6.1: a 10-bit address that fits still falls through to the 7-bit test.
    if (r & I2C_TEN_BIT_ADDRESS && (r & ~I2C_TEN_BIT_ADDRESS) >>> 0 > 0x3ff)
      ctx.failProp(node, reg, `I2C address must be less than 10-bits, got "0x${hex32(r)}"`);
    else if (r > 0x7f)
      ctx.failProp(
        node,
        reg,
        `I2C address must be less than 7-bits, got "0x${hex32(r)}". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property`,
      );
  }
}

// ---- SPI ----

function spiBusBridge(ctx: CheckContext, node: Node): void {
  let addrCells = 1;
  if (baseNameIs(node, 'spi')) {
    ctx.bus.set(node, 'spi-bus');
  } else {
    // A bus without the proper name is recognised by children's spi-* properties.
    if (ctx.nodeAddrCells(node) !== 1 || ctx.nodeSizeCells(node) !== 0) return;
    outer: for (const child of node.children) {
      if (child.deleted) continue;
      for (const p of child.properties) {
        if (p.deleted) continue;
        if (p.name.startsWith('spi-')) {
          ctx.bus.set(node, 'spi-bus');
          break outer;
        }
      }
    }
    if (ctx.bus.get(node) === 'spi-bus' && node.getProperty('reg'))
      ctx.fail(node, "node name for SPI buses should be 'spi'");
  }
  if (ctx.bus.get(node) !== 'spi-bus' || node.children.length === 0) return;
  if (node.getProperty('spi-slave')) addrCells = 0;
  if (ctx.nodeAddrCells(node) !== addrCells) ctx.fail(node, 'incorrect #address-cells for SPI bus');
  if (ctx.nodeSizeCells(node) !== 0) ctx.fail(node, 'incorrect #size-cells for SPI bus');
}

function spiBusReg(ctx: CheckContext, node: Node): void {
  if (!node.parent || ctx.bus.get(node.parent) !== 'spi-bus') return;
  if (node.parent.getProperty('spi-slave')) return;
  const reg = node.getProperty('reg');
  if (!reg || reg.value.length === 0) {
    ctx.fail(node, 'missing or empty reg property');
    return;
  }
  const expected = hex32(cellAt(reg.value, 0));
  if (unitName(node) !== expected)
    ctx.fail(node, `SPI bus unit address format error, expected "${expected}"`);
}

export const busChecks: readonly CheckDef[] = [
  propCheck('pci_bridge', 'warning', ['device_type_is_string', 'addr_size_cells'], 'device_type', pciBridge),
  // The *_reg checks only look at children of the buses their bridge check recorded.
  selecting(check('pci_device_reg', 'warning', ['reg_format', 'pci_bridge'], pciDeviceReg), (ctx) =>
    ctx.childrenOfBus('pci'),
  ),
  selecting(check('pci_device_bus_num', 'warning', ['reg_format', 'pci_bridge'], pciDeviceBusNum), (ctx) =>
    ctx.childrenOfBus('pci'),
  ),
  propCheck(
    'simple_bus_bridge',
    'warning',
    ['addr_size_cells', 'compatible_is_string_list'],
    'compatible',
    simpleBusBridge,
  ),
  selecting(check('simple_bus_reg', 'warning', ['reg_format', 'simple_bus_bridge'], simpleBusReg), (ctx) =>
    ctx.childrenOfBus('simple-bus'),
  ),
  selecting(check('i2c_bus_bridge', 'warning', ['addr_size_cells'], i2cBusBridge), (ctx) =>
    ctx.union([
      ctx.nodesWithBaseName('i2c-bus'),
      ctx.nodesWithBaseName('i2c-arb'),
      ctx.nodesWithBaseName('i2c'),
    ]),
  ),
  selecting(check('i2c_bus_reg', 'warning', ['reg_format', 'i2c_bus_bridge'], i2cBusReg), (ctx) =>
    ctx.childrenOfBus('i2c-bus'),
  ),
  // A node not named spi can only be a bus with #address-cells = <1> (present: the default is 2).
  selecting(check('spi_bus_bridge', 'warning', ['addr_size_cells'], spiBusBridge), (ctx) =>
    ctx.union([ctx.nodesWithBaseName('spi'), ctx.nodesWithProp('#address-cells')]),
  ),
  selecting(check('spi_bus_reg', 'warning', ['reg_format', 'spi_bus_bridge'], spiBusReg), (ctx) =>
    ctx.childrenOfBus('spi-bus'),
  ),
];
