// URLPattern (the URL Pattern standard). The host parses and canonicalizes patterns and match inputs; each
// component's regular expression is compiled here as a RegExp and matched in JS.

const URLPATTERN_COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
// WebIDL reads a dictionary's members in lexicographic order.
const URLPATTERN_INIT_KEYS = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];
// The standard compiles component expressions with the "v" flag. The urlpattern crate escapes literal text for
// "u" (some of its escapes are errors under "v"), so an expression "v" refuses is compiled with "u".
function compileComponentRegExp(source, ignoreCase) {
  const i = ignoreCase ? "i" : "";
  try {
    return new RegExp(source, `v${i}`);
  } catch {
    return new RegExp(source, `u${i}`);
  }
}

// A URLPatternInput (a string, or a URLPatternInit dictionary) converted as WebIDL does.
function toURLPatternInput(input) {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" && typeof input !== "function") return toUSVString(input);
  const init = {};
  for (const key of URLPATTERN_INIT_KEYS) {
    const v = input[key];
    if (v !== undefined) init[key] = toUSVString(v);
  }
  return init;
}

class URLPattern {
  #components = [];
  #hasRegExpGroups = false;

  constructor(input = undefined, baseURLOrOptions = undefined, options = undefined) {
    let baseURL;
    if (baseURLOrOptions !== undefined && baseURLOrOptions !== null && typeof baseURLOrOptions !== "object" && typeof baseURLOrOptions !== "function") {
      baseURL = toUSVString(baseURLOrOptions);
    } else {
      options = baseURLOrOptions;
    }
    if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("URLPattern: options must be an object");
    }
    const ignoreCase = Boolean(options?.ignoreCase);
    const parsed = ops.urlPatternParse(toURLPatternInput(input), baseURL, ignoreCase);
    this.#hasRegExpGroups = parsed[0];
    for (let i = 0; i < URLPATTERN_COMPONENTS.length; i++) {
      const [pattern, source, groups] = parsed[i + 1];
      let regexp;
      try {
        regexp = compileComponentRegExp(source, ignoreCase);
      } catch (e) {
        throw new TypeError(`URLPattern: invalid ${URLPATTERN_COMPONENTS[i]} pattern "${pattern}": ${e.message}`);
      }
      this.#components.push({ pattern, regexp, groups });
    }
  }

  get protocol() { return this.#components[0].pattern; }
  get username() { return this.#components[1].pattern; }
  get password() { return this.#components[2].pattern; }
  get hostname() { return this.#components[3].pattern; }
  get port() { return this.#components[4].pattern; }
  get pathname() { return this.#components[5].pattern; }
  get search() { return this.#components[6].pattern; }
  get hash() { return this.#components[7].pattern; }
  get hasRegExpGroups() { return this.#hasRegExpGroups; }

  test(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL) !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL);
  }

  #match(input, baseURL) {
    const converted = toURLPatternInput(input);
    const base = baseURL === undefined ? undefined : toUSVString(baseURL);
    const values = ops.urlPatternMatchInput(converted, base);
    if (values === null || values === undefined) return null;
    const result = { inputs: base === undefined ? [converted] : [converted, base] };
    for (let i = 0; i < URLPATTERN_COMPONENTS.length; i++) {
      const { regexp, groups } = this.#components[i];
      const m = regexp.exec(values[i]);
      if (m === null) return null;
      const named = {};
      for (let j = 0; j < groups.length; j++) named[groups[j]] = m[j + 1];
      result[URLPATTERN_COMPONENTS[i]] = { input: values[i], groups: named };
    }
    return result;
  }
}
setToStringTag(URLPattern, "URLPattern");
defineGetters(URLPattern.prototype, URLPATTERN_COMPONENTS.concat(["hasRegExpGroups"]));
defineGlobal("URLPattern", URLPattern);
