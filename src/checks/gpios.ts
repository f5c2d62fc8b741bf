import type { Node, Property } from '../dt/model.js';
import { propNameCheck, type CheckDef } from './check.js';
import type { CheckContext } from './context.js';
import { checkPhandleArgs } from './phandle-args.js';

/** GPIO specifiers (dtc's gpios_property / deprecated_gpio_property). */

/** `*-gpios`, `gpios`, `*-gpio`, `gpio`, but not the `,nr-gpios` count property. */
function isGpioProp(p: Property): boolean {
  return isGpioName(p.name);
}

function isGpioName(name: string): boolean {
  if (name.endsWith(',nr-gpios')) return false;
  return name.endsWith('-gpios') || name === 'gpios' || name.endsWith('-gpio') || name === 'gpio';
}

function gpiosProperty(ctx: CheckContext, node: Node): void {
  // GPIO hogs carry a `gpios` property of a different shape.
  if (node.getProperty('gpio-hog')) return;
  for (const p of node.properties) {
    if (p.deleted) continue;
    if (!isGpioProp(p)) continue;
    checkPhandleArgs(ctx, node, p, { propName: p.name, cellName: '#gpio-cells', optional: false });
  }
}

function deprecatedGpioProperty(ctx: CheckContext, node: Node): void {
  for (const p of node.properties) {
    if (p.deleted) continue;
    if (!isGpioProp(p) || !p.name.endsWith('gpio')) continue;
    ctx.failProp(node, p, "'[*-]gpio' is deprecated, use '[*-]gpios' instead");
  }
}

export const gpioChecks: readonly CheckDef[] = [
  propNameCheck(
    'deprecated_gpio_property',
    'off',
    [],
    (n) => isGpioName(n) && n.endsWith('gpio'),
    deprecatedGpioProperty,
  ),
  propNameCheck('gpios_property', 'warning', ['phandle_references'], isGpioName, gpiosProperty),
];
