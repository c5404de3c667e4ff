// Building DOM nodes from text: every string goes in as textContent or an attribute value,
// never as HTML.

export function element(tag, { className = "", text = null, attrs = {}, data = {} } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const [name, value] of Object.entries(data)) node.dataset[name] = value;
  node.append(...children);
  return node;
}

export function button(label, onClick, { className = "", data = {} } = {}) {
  const node = element("button", { className, text: label, attrs: { type: "button" }, data });
  node.addEventListener("click", onClick);
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}
