// Our scripts' words come from Django's JavaScriptCatalog (/i18n/<language>.js), a classic script
// the base template loads before the modules. Where it failed to arrive (a dropped request on a bad
// connection), the page still works, in English: these stand-ins behave as Django's do.
const catalog = globalThis;

export const gettext = catalog.gettext ?? ((msgid) => msgid);
export const ngettext =
	catalog.ngettext ?? ((singular, plural, n) => (n === 1 ? singular : plural));
export const pgettext = catalog.pgettext ?? ((_context, msgid) => msgid);
export const interpolate =
	catalog.interpolate ??
	((format, values, named) =>
		named
			? format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]))
			: format.replace(/%s/g, () => String(values.shift())));

// The page's language, for the browser's own Intl formats (numbers, relative times, dates): right
// in every language without a word to translate.
export const language = document.documentElement.lang || "en";

export function number(n) {
	return new Intl.NumberFormat(language).format(n);
}
