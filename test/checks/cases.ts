// One small DTS per check that makes it fire, with dtc 1.6.1's message text
// (verified against /usr/bin/dtc by checks-cases.test.ts when dtc is installed).

export interface CheckCase {
  /** The check that must fire. */
  check: string;
  /** -W/-E flags (as dtc takes them) needed to enable it. */
  flags?: { kind: 'W' | 'E'; arg: string }[];
  dts: string;
  /** Messages (`/path[:prop]: text`) that `check` must produce. */
  expect: string[];
}

const H = '/dts-v1/;\n';

export const CASES: CheckCase[] = [
  {
    check: 'duplicate_node_names',
    dts: H + '/ { n { }; n { }; };',
    expect: ['/n: Duplicate node name'],
  },
  {
    check: 'duplicate_property_names',
    dts: H + '/ { p = <1>; p = <2>; };',
    expect: ['/:p: Duplicate property name'],
  },
  {
    check: 'node_name_chars',
    dts: H + '/ { n*x { }; };',
    expect: ["/n*x: Bad character '*' in node name"],
  },
  {
    check: 'node_name_format',
    dts: H + '/ { #address-cells = <1>; #size-cells = <0>; n@1@2 { reg = <1>; }; };',
    expect: ["/n@1@2: multiple '@' characters in node name"],
  },
  {
    check: 'property_name_chars',
    dts: H + '/ { p@x = <1>; };',
    expect: ["/:p@x: Bad character '@' in property name"],
  },
  {
    check: 'name_is_string',
    dts: H + '/ { n { name = <1>; }; };',
    expect: ['/n:name: property is not a string'],
  },
  {
    check: 'name_properties',
    dts: H + '/ { n { name = "m"; }; };',
    expect: ['/n: "name" property is incorrect ("m" instead of base node name)'],
  },
  {
    check: 'node_name_vs_property_name',
    dts: H + '/ { n = <1>; n { }; };',
    expect: ['/n: node name and property name conflict'],
  },
  {
    check: 'duplicate_label',
    dts: H + '/ { a: n { }; a: m { }; };',
    expect: ["/m: Duplicate label 'a' on /m and /n"],
  },
  {
    check: 'explicit_phandles',
    dts: H + '/ { n { phandle = <0>; }; };',
    expect: ['/n:phandle: bad value (0x0) in phandle property'],
  },
  {
    check: 'phandle_references',
    dts: H + '/ { p = <&nowhere>; };',
    expect: ['/: Reference to non-existent node or label "nowhere"\n'],
  },
  {
    check: 'path_references',
    dts: H + '/ { p = &nowhere; };',
    expect: ['/: Reference to non-existent node or label "nowhere"\n'],
  },
  {
    check: 'omit_unused_nodes',
    flags: [
      { kind: 'E', arg: 'no-phandle_references' },
      { kind: 'W', arg: 'omit_unused_nodes' },
    ],
    dts: H + '/ { p = <&nowhere>; };',
    expect: ["Failed prerequisite 'phandle_references'"],
  },
  {
    check: 'address_cells_is_cell',
    dts: H + '/ { #address-cells = <1 1>; };',
    expect: ['/:#address-cells: property is not a single cell'],
  },
  {
    check: 'size_cells_is_cell',
    dts: H + '/ { #size-cells = "x"; };',
    expect: ['/:#size-cells: property is not a single cell'],
  },
  {
    check: 'device_type_is_string',
    dts: H + '/ { device_type = <1>; };',
    expect: ['/:device_type: property is not a string'],
  },
  {
    check: 'model_is_string',
    dts: H + '/ { model = "a", "b"; };',
    expect: ['/:model: property is not a string'],
  },
  {
    check: 'status_is_string',
    dts: H + '/ { n { status = <1>; }; };',
    expect: ['/n:status: property is not a string'],
  },
  {
    check: 'label_is_string',
    dts: H + '/ { n { label = <0>; }; };',
    expect: ['/n:label: property is not a string'],
  },
  {
    check: 'compatible_is_string_list',
    dts: H + '/ { compatible = [61 62]; };',
    expect: ['/:compatible: property is not a string list'],
  },
  {
    check: 'names_is_string_list',
    dts: H + '/ { clock-names = <1>; };',
    expect: ['/:clock-names: property is not a string list'],
  },
  {
    check: 'property_name_chars_strict',
    flags: [{ kind: 'W', arg: 'property_name_chars_strict' }],
    dts: H + '/ { foo_bar = <1>; };',
    expect: ["/:foo_bar: Character '_' not recommended in property name"],
  },
  {
    check: 'node_name_chars_strict',
    flags: [{ kind: 'W', arg: 'node_name_chars_strict' }],
    dts: H + '/ { foo_bar { }; };',
    expect: ["/foo_bar: Character '_' not recommended in node name"],
  },
  {
    check: 'addr_size_cells',
    dts: H + '/ { #address-cells = <1 2>; };',
    expect: ["Failed prerequisite 'address_cells_is_cell'"],
  },
  {
    check: 'reg_format',
    dts: H + '/ { #address-cells = <1>; #size-cells = <1>; n@1 { reg = <1>; }; };',
    expect: ['/n@1:reg: property has invalid length (4 bytes) (#address-cells == 1, #size-cells == 1)'],
  },
  {
    check: 'ranges_format',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; b { #address-cells = <2>; #size-cells = <1>; ranges; }; };',
    expect: ['/b:ranges: empty "ranges" property but its #address-cells (2) differs from / (1)'],
  },
  {
    check: 'dma_ranges_format',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; b { #address-cells = <1>; #size-cells = <1>; dma-ranges = <1 2>; }; };',
    expect: [
      '/b:dma-ranges: "dma-ranges" property has invalid length (8 bytes) (parent #address-cells == 1, child #address-cells == 1, #size-cells == 1)',
    ],
  },
  {
    check: 'unit_address_vs_reg',
    dts: H + '/ { n@1 { }; };',
    expect: ['/n@1: node has a unit name, but no reg or ranges property'],
  },
  {
    check: 'unit_address_format',
    dts: H + '/ { #address-cells = <1>; #size-cells = <1>; n@0x1 { reg = <1 1>; }; m@01 { reg = <1 1>; }; };',
    expect: ['/n@0x1: unit name should not have leading "0x"', '/m@01: unit name should not have leading 0s'],
  },
  {
    check: 'pci_bridge',
    dts: H + '/ { #address-cells = <1>; #size-cells = <1>; pcix@1 { device_type = "pci"; reg = <1 1>; }; };',
    expect: [
      '/pcix@1: node name is not "pci" or "pcie"',
      '/pcix@1: missing ranges for PCI bridge (or not a bridge)',
      '/pcix@1: incorrect #address-cells for PCI bridge',
      '/pcix@1: incorrect #size-cells for PCI bridge',
    ],
  },
  {
    check: 'pci_device_reg',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; pci@1 { device_type = "pci"; reg = <1 1>; ranges; #address-cells = <3>; #size-cells = <2>;\n' +
      '  dev@3 { reg = <0x1000 0 0 0 0>; }; }; };',
    expect: ['/pci@1/dev@3: PCI unit address format error, expected "2,0"'],
  },
  {
    check: 'pci_device_bus_num',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; pci@1 { device_type = "pci"; reg = <1 1>; ranges; #address-cells = <3>; #size-cells = <2>; bus-range = <0 1>;\n' +
      '  dev@0 { reg = <0x20000 0 0 0 0>; }; }; };',
    expect: ['/pci@1/dev@0:bus-range: PCI bus number 2 out of range, expected (0 - 0)'],
  },
  {
    check: 'simple_bus_bridge',
    dts: H + '/ { compatible = [61 62]; };',
    expect: ["Failed prerequisite 'compatible_is_string_list'"],
  },
  {
    check: 'simple_bus_reg',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; bus@1 { compatible = "simple-bus"; reg = <1 1>; ranges; #address-cells = <1>; #size-cells = <1>;\n' +
      '  dev@2 { reg = <3 1>; }; nothing { }; }; };',
    expect: [
      '/bus@1/dev@2: simple-bus unit address format error, expected "3"',
      '/bus@1/nothing: missing or empty reg/ranges property',
    ],
  },
  {
    check: 'i2c_bus_bridge',
    dts: H + '/ { #address-cells = <1>; #size-cells = <1>; i2c@1 { reg = <1 1>; dev { }; }; };',
    expect: ['/i2c@1: incorrect #address-cells for I2C bus', '/i2c@1: incorrect #size-cells for I2C bus'],
  },
  {
    check: 'i2c_bus_reg',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; i2c@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>;\n' +
      '  dev@80 { reg = <0x80>; }; ten@80000050 { reg = <0x80000050>; }; }; };',
    expect: [
      '/i2c@1/dev@80:reg: I2C address must be less than 7-bits, got "0x80". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property',
      '/i2c@1/ten@80000050:reg: I2C address must be less than 7-bits, got "0x80000050". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property',
    ],
  },
  {
    check: 'spi_bus_bridge',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; bus@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>;\n' +
      '  dev@0 { reg = <0>; spi-max-frequency = <1>; }; }; };',
    expect: ["/bus@1: node name for SPI buses should be 'spi'"],
  },
  {
    check: 'spi_bus_reg',
    dts:
      H +
      '/ { #address-cells = <1>; #size-cells = <1>; spi@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>;\n' +
      '  dev@1 { reg = <2>; }; }; };',
    expect: ['/spi@1/dev@1: SPI bus unit address format error, expected "2"'],
  },
  {
    check: 'avoid_default_addr_size',
    dts: H + '/ { n@1 { reg = <1 2 3>; }; };',
    expect: ['/n@1: Relying on default #address-cells value', '/n@1: Relying on default #size-cells value'],
  },
  {
    check: 'avoid_unnecessary_addr_size',
    dts: H + '/ { n { #address-cells = <1>; #size-cells = <0>; c { }; }; };',
    expect: ['/n: unnecessary #address-cells/#size-cells without "ranges" or child "reg" property'],
  },
  {
    check: 'unique_unit_address',
    dts: H + '/ { #address-cells = <1>; #size-cells = <0>; a@1 { reg = <1>; }; b@1 { reg = <1>; }; };',
    expect: ['/a@1: duplicate unit-address (also used in node /b@1)'],
  },
  {
    check: 'unique_unit_address_if_enabled',
    flags: [{ kind: 'W', arg: 'unique_unit_address_if_enabled' }],
    dts: H + '/ { #address-cells = <1>; #size-cells = <0>; a@1 { reg = <1>; }; b@1 { reg = <1>; }; };',
    expect: ['/a@1: duplicate unit-address (also used in node /b@1)'],
  },
  {
    check: 'obsolete_chosen_interrupt_controller',
    dts: H + '/ { chosen { interrupt-controller; }; };',
    expect: ['/:interrupt-controller: /chosen has obsolete "interrupt-controller" property'],
  },
  {
    check: 'chosen_node_is_root',
    dts: H + '/ { n { chosen { }; }; };',
    expect: ['/n/chosen: chosen node must be at root node'],
  },
  {
    check: 'chosen_node_bootargs',
    dts: H + '/ { chosen { bootargs = <1>; }; };',
    expect: ['/chosen:bootargs: property is not a string'],
  },
  {
    check: 'chosen_node_stdout_path',
    dts: H + '/ { chosen { linux,stdout-path = "/"; }; };',
    expect: ["/chosen:linux,stdout-path: Use 'stdout-path' instead"],
  },
  {
    check: 'deprecated_gpio_property',
    flags: [{ kind: 'W', arg: 'deprecated_gpio_property' }],
    dts: H + '/ { g: g { gpio-controller; #gpio-cells = <1>; }; n { foo-gpio = <&g 1>; }; };',
    expect: ["/n:foo-gpio: '[*-]gpio' is deprecated, use '[*-]gpios' instead"],
  },
  {
    check: 'gpios_property',
    dts: H + '/ { g: g { gpio-controller; }; n { foo-gpios = <&g 1>; }; };',
    expect: ["/n: Missing property '#gpio-cells' in node /g or bad phandle (referred from foo-gpios[0])"],
  },
  {
    check: 'interrupts_property',
    dts: H + '/ { n { interrupts = <1>; }; };',
    expect: ['/n: Missing interrupt-parent'],
  },
  {
    check: 'interrupt_provider',
    dts: H + '/ { ic { interrupt-controller; }; };',
    expect: [
      '/ic: Missing #interrupt-cells in interrupt provider',
      '/ic: Missing #address-cells in interrupt provider',
    ],
  },
  {
    check: 'alias_paths',
    dts: H + '/ { aliases { s0 = "/nowhere"; Bad = "/aliases"; }; };',
    expect: [
      '/aliases:s0: aliases property is not a valid node (/nowhere)',
      "/aliases: aliases property name must include only lowercase and '-'",
    ],
  },
  {
    check: 'graph_nodes',
    dts:
      H +
      '/ { dev { port { ep: endpoint { remote-endpoint = <&ep2>; }; }; }; d2 { port { ep2: endpoint { remote-endpoint = <&ep>; }; }; }; };',
    expect: [],
  },
  {
    check: 'graph_port',
    dts: H + '/ { dev { prt { ep: endpoint { remote-endpoint = <&ep>; }; }; }; };',
    expect: ["/dev/prt: graph port node name should be 'port'"],
  },
  {
    check: 'graph_endpoint',
    dts: H + '/ { dev { port { ep: endpoint { remote-endpoint = <&other>; }; }; }; other: other { }; };',
    expect: ["/dev/port/endpoint: graph connection to node '/other' is not bidirectional"],
  },
  {
    check: 'graph_child_address',
    dts:
      H +
      '/ { dev { port { #address-cells = <1>; #size-cells = <0>; ep: endpoint@0 { reg = <0>; remote-endpoint = <&ep>; }; }; }; };',
    expect: [
      "/dev/port: graph node has single child node 'endpoint@0', #address-cells/#size-cells are not necessary",
    ],
  },
  {
    check: 'always_fail',
    flags: [{ kind: 'W', arg: 'always_fail' }],
    dts: H + '/ { };',
    expect: ['/: always_fail check'],
  },
];

/** phandle-args checks: `X_property` fires on a provider without its #cells, `X_is_cell` on a bad #cells. */
const PROVIDERS: [string, string, string][] = [
  ['clocks', 'clocks', '#clock-cells'],
  ['cooling_device', 'cooling-device', '#cooling-cells'],
  ['dmas', 'dmas', '#dma-cells'],
  ['hwlocks', 'hwlocks', '#hwlock-cells'],
  ['interrupts_extended', 'interrupts-extended', '#interrupt-cells'],
  ['io_channels', 'io-channels', '#io-channel-cells'],
  ['iommus', 'iommus', '#iommu-cells'],
  ['mboxes', 'mboxes', '#mbox-cells'],
  ['msi_parent', 'msi-parent', '#msi-cells'],
  ['mux_controls', 'mux-controls', '#mux-control-cells'],
  ['phys', 'phys', '#phy-cells'],
  ['power_domains', 'power-domains', '#power-domain-cells'],
  ['pwms', 'pwms', '#pwm-cells'],
  ['resets', 'resets', '#reset-cells'],
  ['sound_dai', 'sound-dai', '#sound-dai-cells'],
  ['thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells'],
];
for (const [nm, prop, cellsName] of PROVIDERS) {
  CASES.push({
    check: `${nm}_property`,
    dts: H + `/ { p: p { ${cellsName} = <1>; }; n { ${prop} = <&p>; }; m { ${prop} = <1>; }; };`,
    expect: [
      `/n:${prop}: property size (4) too small for cell size 1`,
      `/m:${prop}: cell 0 is not a phandle reference`,
    ],
  });
  CASES.push({
    check: `${nm}_is_cell`,
    dts: H + `/ { p { ${cellsName} = <1 2>; }; };`,
    expect: [`/p:${cellsName}: property is not a single cell`],
  });
}
