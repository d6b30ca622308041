// The add-card page: mount Stripe's Card Element, confirm the SetupIntent with Stripe.js,
// and tell the app the outcome over the bridge as one JSON message:
//   {"setup_intent": "seti_..."}  or  {"error": "..."}
// The app believes none of it until Stripe confirms it with the secret key.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const form = document.getElementById("card-form");
  const nameInput = document.getElementById("name");
  const message = document.getElementById("message");
  const submit = document.getElementById("submit");
  const pending = [];
  let bridge = null;
  let busy = false;
  let saved = false;

  function report(payload) {
    const text = JSON.stringify(payload);
    if (bridge) {
      bridge.post(text);
    } else {
      pending.push(text);
    }
  }

  function show(text, kind) {
    message.textContent = text || "";
    message.className = kind || "";
  }

  new QWebChannel(qt.webChannelTransport, function (channel) {
    bridge = channel.objects.bridge;
    pending.splice(0).forEach(function (text) { bridge.post(text); });
  });

  if (typeof Stripe !== "function") {
    const text = "Stripe's card form could not be loaded: check the network connection, " +
                 "then close this window and try again.";
    show(text, "error");
    report({error: text});
    return;
  }

  const stripe = Stripe(config.publishableKey);
  const card = stripe.elements().create("card", {
    hidePostalCode: true,
    style: {base: {fontSize: "16px", color: "{{text}}"}, invalid: {color: "{{danger}}"}},
  });
  card.mount("#card-element");
  // The operator types the card at once: its first field has the focus when it is ready.
  card.on("ready", function () { card.focus(); });
  card.on("change", function (event) {
    if (event && event.error) {
      show(event.error.message, "error");
    } else if (!busy) {
      show("");
    }
  });
  submit.disabled = false;

  // A name made of digits is a card number typed in the wrong box: it would go to Stripe as
  // the cardholder's name. Said while typing, and refused on Save.
  const NAME_IS_DIGITS = "The name on the card cannot be made of digits: type the " +
                         "cardholder's name, and the card number in the box below.";
  function nameIsDigits() {
    return /^[\d\s.\-\/]+$/.test(nameInput.value.trim()) && /\d/.test(nameInput.value);
  }
  nameInput.addEventListener("input", function () {
    if (nameIsDigits()) {
      nameInput.setAttribute("aria-invalid", "true");
      show(NAME_IS_DIGITS, "error");
    } else if (nameInput.getAttribute("aria-invalid")) {
      nameInput.removeAttribute("aria-invalid");
      show("");
    }
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy || saved) {
      return;
    }
    if (nameIsDigits()) {
      show(NAME_IS_DIGITS, "error");
      nameInput.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    show("Saving the card with Stripe…", "progress");
    const name = nameInput.value.trim();
    let result;
    try {
      result = await stripe.confirmCardSetup(config.clientSecret, {
        payment_method: {card: card, billing_details: name ? {name: name} : {}},
      });
    } catch (err) {
      result = {error: {message: String((err && err.message) || err)}};
    }
    busy = false;
    const error = result && result.error;
    if (error || !result.setupIntent) {
      const text = (error && error.message) || "Stripe could not save the card.";
      show(text, "error");
      submit.disabled = false;
      report({error: text});
      return;
    }
    saved = true;
    show("Stripe saved the card; checking it…", "progress");
    report({setup_intent: result.setupIntent.id});
  });
})();
