// billing-admin's fixes to localstripe's Stripe.js stand-in, served right after it by
// app/demo/emulator_server.py (the demo and the tests only; Stripe's real Elements are untouched).
//
// The demo's hint prints test cards as Stripe does, "4242 4242 4242 4242", and an expiry as
// MM/YY or MM/YYYY. The stand-in took neither (spaces counted as digits and spilled into the
// month and year, a 4-digit year became "202034"), and saving empty fields threw a script
// error. Here the card inputs accept what the hint says, and confirmCardSetup answers empty or
// malformed input with a sentence, as Elements does, before anything is sent. The inputs'
// placeholders are words ("Card number", "MM", "YY", "CVC", "ZIP"); each input names its field
// in data-field (number, exp_month, exp_year, cvc, postal_code), which scripts select by. A
// complete field moves the focus on, and a Tab pressed right after such a move (nothing typed
// since) stays put, so that typing "4242…", Tab, "12" puts 12 in the month, not the year. The
// element also gets Elements' focus() and its "ready" and "escape" events.
(function () {
  "use strict";

  function digits(text) {
    return String(text || "").replace(/\D/g, "");
  }

  // The card as the inputs hold it: {number, exp_month, exp_year, cvc} as Stripe wants them
  // (digits only, a 4-digit year), or {error} saying in one sentence what is wrong.
  function readCard(inputs) {
    const raw = inputs.number.value.trim();
    const number = digits(raw);
    const month = digits(inputs.exp_month.value);
    const yearDigits = digits(inputs.exp_year.value);
    const cvc = digits(inputs.cvc.value);
    const card = {
      number: number,
      exp_month: month,
      exp_year: yearDigits.length === 2 ? "20" + yearDigits : yearDigits,
      cvc: cvc,
    };
    let error = "";
    if (!raw) {
      error = "Enter the card number.";
    } else if (/[^\d\s-]/.test(raw) || number.length < 12 || number.length > 19) {
      error = "The card number is incomplete or not a card number.";
    } else if (!month || Number(month) < 1 || Number(month) > 12 || month.length > 2) {
      error = "Enter the expiry month as MM (01 to 12).";
    } else if (yearDigits.length !== 2 && yearDigits.length !== 4) {
      error = "Enter the expiry year as YY or YYYY.";
    } else if (cvc.length < 3 || cvc.length > 4 || cvc !== inputs.cvc.value.trim()) {
      error = "Enter the 3- or 4-digit CVC from the back of the card.";
    }
    return {card: card, error: error};
  }

  function cardLength(number) {
    return /^3[47]/.test(number) ? 15 : /^3(0[0-5]|[68])/.test(number) ? 14 : 16;
  }

  // Where the focus goes after `field` changed: on, once the field is complete.
  function next(inputs, field) {
    const value = inputs[field].value;
    if (field === "number") {
      const number = digits(value);
      return number.length >= cardLength(number) ? "exp_month" : "";
    }
    if (field === "exp_month") {
      const parts = value.split(/[\/\s.-]+/);
      if (parts.length > 1) {  // "12/34" or "12/2034" typed into the month
        inputs.exp_month.value = parts[0];
        inputs.exp_year.value = digits(parts.slice(1).join(""));
        return inputs.exp_year.value.length >= 4 ? "cvc" : "exp_year";
      }
      const month = digits(value);
      return month.length >= 2 || Number(month) > 1 ? "exp_year" : "";
    }
    if (field === "exp_year") {
      const year = digits(value);
      // "20" may be the start of 2034: wait for more; "34" or "2034" is complete.
      return year.length >= 4 || (year.length === 2 && year !== "20") ? "cvc" : "";
    }
    if (field === "cvc") {
      return digits(value).length >= 3 ? "postal_code" : "";
    }
    return "";
  }

  function emit(element, name, event) {
    (element.listeners[name] || []).forEach(function (handler) { handler(event); });
  }

  Element.prototype.mount = function (target) {
    const host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host || this._inputs) {
      return;
    }
    const element = this;
    const label = document.createElement("span");
    label.textContent = "localstripe: ";
    this._domChildren = [label];
    this._inputs = {};
    const sizes = {number: 19, exp_month: 3, exp_year: 4, cvc: 4, postal_code: 6};
    const words = {
      number: ["Card number", "Card number"],
      exp_month: ["MM", "Expiry month (MM)"],
      exp_year: ["YY", "Expiry year (YY)"],
      cvc: ["CVC", "CVC"],
      postal_code: ["ZIP", "ZIP or postal code"],
    };
    // The field the focus was moved to by a complete field, until something happens there.
    let advancedTo = "";
    Object.keys(sizes).forEach(function (field) {
      const input = document.createElement("input");
      input.setAttribute("type", "text");
      input.setAttribute("placeholder", words[field][0]);
      input.setAttribute("aria-label", words[field][1]);
      input.setAttribute("data-field", field);
      input.setAttribute("size", String(sizes[field]));
      input.setAttribute("autocomplete", "off");
      input.addEventListener("input", function () {
        advancedTo = "";
        const to = next(element._inputs, field);
        element._update();
        if (to) {
          element._inputs[to].focus();
          advancedTo = to;
        }
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          emit(element, "escape", {elementType: "card"});
        }
        const justMoved = advancedTo === field;
        advancedTo = "";
        if (justMoved && event.key === "Tab" && !event.shiftKey) {
          event.preventDefault();  // the move was the Tab the operator meant
        }
      });
      input.addEventListener("blur", function () {
        if (advancedTo === field) {
          advancedTo = "";
        }
      });
      element._inputs[field] = input;
      element._domChildren.push(input);
    });
    this._domChildren.forEach(function (child) { host.appendChild(child); });
    this._update();
    setTimeout(function () { emit(element, "ready", {elementType: "card"}); }, 0);
  };

  Element.prototype._update = function () {
    const read = readCard(this._inputs);
    this.value = {card: read.card, postal_code: this._inputs.postal_code.value};
    this._problem = read.error;
    const empty = !Object.keys(this._inputs).some(function (f) {
      return this._inputs[f].value;
    }, this);
    // As Elements: an error only for what cannot become right by typing on.
    const wrong = /[^\d\s-]/.test(this._inputs.number.value);
    emit(this, "change", {
      elementType: "card",
      empty: empty,
      complete: !read.error,
      error: wrong ? {message: "The card number can hold only digits and spaces."} : undefined,
    });
  };

  Element.prototype.focus = function () {
    if (this._inputs) {
      this._inputs.number.focus();
    }
  };

  const makeStripe = Stripe;
  Stripe = function (apiKey) {
    const stripe = makeStripe(apiKey);
    const confirm = stripe.confirmCardSetup;
    stripe.confirmCardSetup = async function (clientSecret, data) {
      const element = data && data.payment_method && data.payment_method.card;
      if (!(element instanceof Element) || !element._inputs) {
        return {error: {message: "The card form is not ready yet: try again in a moment."}};
      }
      element._update();
      if (element._problem) {
        return {error: {message: element._problem}};
      }
      const result = await confirm(clientSecret, data);
      const error = result && result.error;
      if (error && (typeof error !== "object" || !error.message ||
                    /^bad request$/i.test(String(error.message).trim()))) {
        return {error: {message: "Stripe's emulator refused these card details: check the " +
                                 "number, expiry and CVC."}};
      }
      return result;
    };
    return stripe;
  };
})();
