// The editors' rich-text editor (django-prose-editor: ProseMirror and Tiptap) on every textarea a
// RichTextWidget renders (liveblogs/editors.py, which holds the configuration). The textarea stays
// in the form, hidden, and holds the editor's HTML after every change.
//
// Under the site's Content-Security-Policy (no inline script or style): the package's editor.js is
// imported by its relative address rather than through the package's inline import map, and
// Tiptap injects no <style> element (its few rules are in prose.css).
//
// For other pages (the desk's composer): render the form field's media; editors start by
// themselves on the page as loaded and on admin inline rows added later. A module of the page
// may import editorFor and initialize from this one (by its static address: the manifest storage
// rewrites import statements, even in comments, so none is spelt out here). See README, "Rich
// text for editors".

import {
	Blockquote,
	Bold,
	BulletList,
	Document,
	Dropcursor,
	Editor,
	Extension,
	Gapcursor,
	HardBreak,
	Heading,
	History,
	Italic,
	Link,
	ListItem,
	Menu,
	OrderedList,
	Paragraph,
	pm,
	Text,
	updateAttrsDialog,
} from "../django_prose_editor/editor.js";

// Our words, looked up when they are shown: editor.js keeps the window.gettext it found when it was
// first run (its own menus and dialogs), which is why our catalogue is loaded before any module
// (user_language.catalog_media); these never depend on that order.
function gettext(text) {
	return globalThis.gettext ? globalThis.gettext(text) : text;
}

// The extensions a configuration may name (editors.py; the package's names).
const EXTENSIONS = {
	Blockquote,
	Bold,
	BulletList,
	Document,
	Dropcursor,
	Gapcursor,
	HardBreak,
	Heading,
	History,
	Italic,
	Link,
	ListItem,
	Menu,
	OrderedList,
	Paragraph,
	Text,
};

const ATTRIBUTE = "data-django-prose-editor-liveblogs";
const editors = new WeakMap(); // textarea → Tiptap editor

// Pasted (or dropped) HTML, before ProseMirror reads it. The browser applies the page's policy even
// in the unseen document ProseMirror reads it in, and reports every inline style and script it
// refuses there: those go first. What a word processor or Google Docs says in a style that the
// allow-list has a tag for (bold, italic) is kept in a data attribute the marks below read.
// A table's rows and cells become blocks, so their words stay apart.
const PASTED_STYLE = "data-pasted-style";
const COMMENT = /<!--[\s\S]*?-->/g;
const SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const START_TAG =
	/<[a-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*\/?>/gi;
const INLINE_ATTRIBUTE = /\s(?:(style)|on[a-z]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/gi;
const TABLE_PART = /<(\/?)(?:table|caption|thead|tbody|tfoot|tr|td|th)\b/gi;

function pastable(html) {
	return html
		.replace(COMMENT, "")
		.replace(SCRIPT_OR_STYLE, "")
		.replace(START_TAG, (tag) =>
			tag.replace(INLINE_ATTRIBUTE, (_, style, value = "") =>
				style ? ` ${PASTED_STYLE}${value}` : "",
			),
		)
		.replace(TABLE_PART, "<$1div");
}

const pastedStyle = (element) => element.getAttribute(PASTED_STYLE) ?? "";
// A mark from a pasted style; not consuming, so bold and italic can both come from one element.
const styled = (pattern) => ({
	tag: `[${PASTED_STYLE}]`,
	consuming: false,
	getAttrs: (element) => pattern.test(pastedStyle(element)) && null,
});

// One line (inline text): whatever is pasted becomes its words and marks, blocks joined by spaces.
function oneLine(slice, view) {
	const parts = [];
	slice.content.descendants((node) => {
		if (node.isTextblock) {
			if (parts.length) parts.push(view.state.schema.text(" "));
			node.content.forEach((child) => {
				parts.push(child);
			});
			return false;
		}
		if (node.isInline) parts.push(node); // words of an open slice, outside any block
		return !node.isInline;
	});
	return new pm.model.Slice(pm.model.Fragment.fromArray(parts), 0, 0);
}

// Extensions made to fit the allow-list, where options alone cannot; each returns it configured.
const adapt = {
	// One line for inline text: a single paragraph, so Enter makes no second one.
	Document: (extension, _options, config) =>
		config.inline ? extension.extend({ content: "paragraph" }) : extension,
	Bold: (extension) =>
		extension.extend({
			parseHTML: () => [
				{ tag: "strong" },
				// Google Docs wraps what it copies in <b style="font-weight: normal">.
				{
					tag: "b",
					getAttrs: (element) =>
						!/font-weight\s*:\s*(normal|[1-4]00)\b/i.test(pastedStyle(element)) && null,
				},
				styled(/font-weight\s*:\s*(bold|[6-9]00)\b/i),
			],
		}),
	Italic: (extension) =>
		extension.extend({
			parseHTML: () => [
				{ tag: "em" },
				{
					tag: "i",
					getAttrs: (element) => !/font-style\s*:\s*normal/i.test(pastedStyle(element)) && null,
				},
				styled(/font-style\s*:\s*italic/i),
			],
		}),
	// No start number or numbering style (readers' lists keep neither), so no node view that
	// would show one either.
	OrderedList: (extension, options) =>
		extension.extend({ addAttributes: () => ({}), addNodeView: null }).configure(options),
	// A link keeps its address and title, as readers' links do (never a target, a class or a rel
	// of its own), and only the schemes sanitize.py keeps, or a relative address; a bare address
	// typed or pasted becomes https. The schemes are checked here, not registered with Tiptap's
	// link finder, which knows these three already.
	Link: (extension, { protocols = [], ...options }) =>
		extension
			.extend({
				addAttributes() {
					const { href } = this.parent?.() ?? {};
					return {
						href,
						title: {
							default: null,
							renderHTML: ({ title }) => (title ? { title } : {}),
						},
					};
				},
			})
			.configure({
				...options,
				defaultProtocol: "https",
				isAllowedUri: (url, { defaultValidate }) => {
					const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url || "")?.[1]?.toLowerCase();
					return defaultValidate(url) && (!scheme || protocols.includes(scheme));
				},
			}),
};

// Bodies get an Embed button: it asks for an address and puts it alone in a paragraph of its own,
// which is what makes an embed (liveblogs/embeds.py; pasting the address alone does the same).
const EmbedButton = Extension.create({
	name: "liveblogsEmbed",
	addMenuItems({ buttons, menu }) {
		menu.defineItem({
			name: "liveblogsEmbed",
			groups: "link",
			button: buttons.material("smart_display", gettext("Embed a post, video, chart or map")),
			command(editor) {
				const ask = updateAttrsDialog(
					{
						url: {
							type: "string",
							format: "url",
							title: gettext("Address of the post, video, chart or map"),
						},
					},
					{ title: gettext("Embed"), submitText: gettext("Embed") },
				);
				ask(editor, { url: "" }).then((values) => {
					const url = values?.url?.trim();
					if (!url) return;
					const link = { type: "link", attrs: { href: url } };
					const paragraph = {
						type: "paragraph",
						content: [{ type: "text", text: url, marks: [link] }],
					};
					editor.chain().focus().insertContent(paragraph).run();
				});
			},
		});
	},
});

// ProseMirror's empty document is one empty paragraph: the field is empty then.
function html(editor) {
	const value = editor.getHTML();
	return /^<(\w+)(\s[^>]*)?><\/\1>$/.test(value) ? "" : value;
}

/** The editor of ``textarea`` (made once); null for a textarea that is not a rich text field. */
export function createEditor(textarea) {
	if (editors.has(textarea)) return editors.get(textarea);
	if (!textarea.hasAttribute(ATTRIBUTE)) return null;
	const config = JSON.parse(textarea.getAttribute(ATTRIBUTE));
	const extensions = [];
	for (const [name, options] of Object.entries(config.extensions)) {
		const extension = EXTENSIONS[name];
		if (!extension) continue;
		if (adapt[name]) extensions.push(adapt[name](extension, options, config));
		else extensions.push(typeof options === "object" ? extension.configure(options) : extension);
	}
	if (!config.inline && config.extensions.Link) extensions.push(EmbedButton);

	const element = document.createElement("div");
	element.className = `prose-editor${config.inline ? " prose-editor-inline" : ""}`;
	textarea.before(element);
	element.append(textarea);

	// The textarea is hidden: its label (or aria-label) and help text name and describe the
	// editor instead.
	const label = textarea.id && document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
	if (label && !label.id) label.id = `${textarea.id}-label`;
	const attributes = { role: "textbox", "aria-multiline": String(!config.inline) };
	if (label) attributes["aria-labelledby"] = label.id;
	for (const name of ["aria-label", "aria-describedby", "aria-invalid"]) {
		if (textarea.hasAttribute(name)) attributes[name] = textarea.getAttribute(name);
	}

	const editor = new Editor({
		element,
		extensions,
		content: textarea.value,
		editable: !textarea.disabled,
		injectCSS: false,
		editorProps: {
			attributes,
			transformPastedHTML: pastable,
			...(config.inline ? { transformPasted: oneLine } : {}),
		},
		onUpdate() {
			textarea.value = html(editor);
			textarea.dispatchEvent(new Event("input", { bubbles: true }));
		},
		onDestroy() {
			element.before(textarea);
			element.remove();
			editors.delete(textarea);
		},
	});
	editors.set(textarea, editor);
	// The menu is made once the editor is (after this turn).
	editor.on("create", () => nameMenu(element.querySelector(".prose-menubar")));
	label?.addEventListener("click", () => editor.commands.focus());
	textarea.dispatchEvent(
		new CustomEvent("prose-editor:ready", { bubbles: true, detail: { editor, textarea } }),
	);
	return editor;
}

// django-prose-editor names its menu's buttons and block types in English, outside its catalogue
// (which has its dialogs' words): these are ours. The menu shows copies of its buttons as the
// selection moves, so each is named again as it appears.
function menuWord(word) {
	const level = /^heading (\d)$/i.exec(word)?.[1];
	if (level) return gettext("Heading %s").replace("%s", level);
	const words = {
		bold: gettext("Bold"),
		italic: gettext("Italic"),
		"insert link": gettext("Insert link"),
		"remove link": gettext("Remove link"),
		undo: gettext("Undo"),
		redo: gettext("Redo"),
		"unordered list": gettext("Bulleted list"),
		"ordered list": gettext("Numbered list"),
		blockquote: gettext("Quote"),
		paragraph: gettext("Paragraph"),
	};
	return words[word.toLowerCase()] ?? word;
}

function nameMenu(menu) {
	if (!menu) return;
	const name = (root) => {
		for (const node of [root, ...root.querySelectorAll("*")]) {
			for (const attribute of ["title", "aria-label"]) {
				const word = node.getAttribute(attribute);
				if (word && menuWord(word) !== word) node.setAttribute(attribute, menuWord(word));
			}
			// A block type's option shows its name (a heading's, a paragraph's).
			const word = node.closest(".prose-menubar__option") && node.textContent;
			if (word && !node.children.length && menuWord(word) !== word) {
				node.textContent = menuWord(word);
			}
		}
	};
	name(menu);
	new MutationObserver((changes) => {
		for (const change of changes) {
			for (const node of change.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) name(node);
		}
	}).observe(menu, { childList: true, subtree: true });
}

/** The editor of ``textarea``, if it has one. */
export function editorFor(textarea) {
	return editors.get(textarea) ?? null;
}

/** Start the editors of the rich text fields in ``root`` (and ``root`` itself, if it is one). */
export function initialize(root = document) {
	const found = [...root.querySelectorAll(`textarea[${ATTRIBUTE}]`)];
	if (root.matches?.(`textarea[${ATTRIBUTE}]`)) found.push(root);
	// The admin's template row for new inlines is copied, never edited itself.
	return found.filter((textarea) => !textarea.id.includes("__prefix__")).map(createEditor);
}

initialize();
// A row the admin adds to an inline (a new key point, a new callout).
document.addEventListener("formset:added", (event) => initialize(event.target));
