"""The add-card dialog: Stripe Elements in an embedded page, blocked by default.

Imported only through `ui.add_card.webengine.add_card_dialog_class()`, when the dialog first opens.

The page lives in its own off-the-record profile (nothing on disk), behind a request
interceptor that allows only what `RequestPolicy` allows, and a Content-Security-Policy
matching it. It cannot navigate away; links meant for the operator open in the system
browser. It talks to the app through one slot taking one JSON string; the dialog passes on
only a SetupIntent id equal to the one it was opened with, and the window then has Stripe
confirm everything before anything is saved (`Operations.finish_adding_card`).
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable

from PySide6.QtCore import QEvent, QFile, QIODevice, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineNewWindowRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.operations import CardSetup
from ui.add_card.add_card_page import (
    PAGE_URL,
    Kind,
    RequestPolicy,
    build_page,
    parse_message,
    shown,
)

log = logging.getLogger(__name__)
_Resource = QWebEngineUrlRequestInfo.ResourceType
#: Qt's resource types as the request policy groups them; the rest are `Kind.OTHER`.
KINDS = {
    _Resource.ResourceTypeMainFrame: Kind.PAGE,
    _Resource.ResourceTypeNavigationPreloadMainFrame: Kind.PAGE,
    _Resource.ResourceTypeSubFrame: Kind.FRAME,
    _Resource.ResourceTypeNavigationPreloadSubFrame: Kind.FRAME,
    _Resource.ResourceTypeScript: Kind.PASSIVE,
    _Resource.ResourceTypeStylesheet: Kind.PASSIVE,
    _Resource.ResourceTypeImage: Kind.PASSIVE,
    _Resource.ResourceTypeFontResource: Kind.PASSIVE,
    _Resource.ResourceTypeMedia: Kind.PASSIVE,
    _Resource.ResourceTypeFavicon: Kind.PASSIVE,
}


def _qwebchannel_js() -> str:
    source = QFile(":/qtwebchannel/qwebchannel.js")
    if not source.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("qwebchannel.js is missing from QtWebChannel's resources")
    try:
        return bytes(source.readAll().data()).decode("utf-8")
    finally:
        source.close()


class RequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks (and logs) every request the policy does not allow."""

    def __init__(self, policy: RequestPolicy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        #: "METHOD url" of each blocked request, queries left out (tests read it).
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl().toString()
        verdict = self.policy.decide(
            url,
            initiator=info.initiator().toString(),
            kind=KINDS.get(info.resourceType(), Kind.OTHER),
        )
        if verdict.allowed:
            return
        info.block(True)
        what = f"{bytes(info.requestMethod().data()).decode('ascii', 'replace')} {shown(url)}"
        self.blocked.append(what)
        log.warning("add-card page: blocked %s (%s)", what, verdict.reason)


class Bridge(QObject):
    """The one object the page sees: one slot, one JSON string. Late calls are dropped."""

    def __init__(self, receive: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._receive: Callable[[str], None] | None = receive

    @Slot(str)
    def post(self, message: str) -> None:
        if self._receive is None:
            log.info("add-card page: dropped a message that came after the dialog closed")
            return
        self._receive(message)

    def close(self) -> None:
        self._receive = None


class CardPage(QWebEnginePage):
    """Stays on the page it was given; the operator's links go to the system browser."""

    def __init__(
        self,
        profile: QWebEngineProfile,
        open_url: Callable[[QUrl], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(profile, parent)
        self._open_url = open_url
        self._initial_load = True
        #: Main-frame navigations refused (tests read it).
        self.refused: list[str] = []
        self.newWindowRequested.connect(self._new_window)
        self.loadFinished.connect(self._load_finished)

    @Slot(bool)
    def _load_finished(self, ok: bool) -> None:
        self._initial_load = False

    def acceptNavigationRequest(
        self, url: QUrl | str, type: QWebEnginePage.NavigationType, isMainFrame: bool
    ) -> bool:
        url = QUrl(url)
        if not isMainFrame:
            return True  # frames: the interceptor and the page's CSP decide
        if self._initial_load and url.scheme() == "data":
            return True  # the page itself, as handed over by setHtml
        # Qt reports a script's `location = ...` as a clicked link too, so the page never
        # leaves, and nothing goes to the browser from here: the operator's links open a new
        # window (target=_blank), which `_new_window` hands to the system browser.
        self.refused.append(shown(url.toString()))
        log.warning(
            "add-card page: refused to navigate (%s) to %s", type.name, shown(url.toString())
        )
        return False

    @Slot(QWebEngineNewWindowRequest)
    def _new_window(self, request: QWebEngineNewWindowRequest) -> None:
        url = request.requestedUrl()
        if url.scheme() == "https" and request.isUserInitiated():
            log.info("add-card page: opening %s in the system browser", shown(url.toString()))
            self._open_url(url)
        else:
            log.warning("add-card page: refused a new window for %s", shown(url.toString()))

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        lineNumber: int,
        sourceID: str,
    ) -> None:
        # Kept out of Qt's own logging (where console errors become Qt warnings); the log
        # file's formatter redacts anything that looks like a card number or a secret.
        log.debug("add-card page console (%s): %s", level.name, message[:300])


class AddCardDialog(QDialog):
    """Shows the page for one SetupIntent. The window does the Stripe work."""

    #: The page reported success for this dialog's SetupIntent (its id).
    confirmed = Signal(str)
    #: The page reported an error (Stripe's message, already shown in the page).
    page_error = Signal(str)
    #: A message from the page was refused (why, in one sentence).
    message_refused = Signal(str)
    #: The page finished loading (True) or failed to (False).
    page_loaded = Signal(bool)

    def __init__(
        self,
        setup: CardSetup,
        customer_label: str,
        *,
        open_url: Callable[[QUrl], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setup = setup
        self.saved = False
        self._checking = False
        self.setWindowTitle(f"Add a card — {customer_label}")
        self.setAccessibleName("Add a card")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        heading = QLabel(f"<b>Add a card for {html.escape(customer_label, quote=False)}</b>", self)
        heading.setObjectName("DialogHeading")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail = QLabel(
            "Type the card into Stripe's form below. The card is saved for later charges "
            "(off-session); billing-admin keeps only its brand, last four digits and expiry.",
            self,
        )
        detail.setWordWrap(True)
        detail.setObjectName("HintLabel")
        self.notice = QLabel(self)
        self.notice.setObjectName("FieldError")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.policy = RequestPolicy(emulator_origin=setup.emulator_origin)
        # No storage name: an off-the-record profile, nothing written to disk. One per dialog,
        # so nothing carries over from one card to the next.
        self.profile = QWebEngineProfile()
        assert self.profile.isOffTheRecord()
        self.profile.setPersistentCookiesPolicy(
            QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies
        )
        self.profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        self.interceptor = RequestInterceptor(self.policy, self.profile)
        self.profile.setUrlRequestInterceptor(self.interceptor)

        self.view = QWebEngineView(self)
        self.view.setAccessibleName("Stripe card form")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.view.setMinimumSize(520, 280)
        self.page = CardPage(self.profile, open_url, self.view)
        # The page goes before its profile (Qt warns otherwise).
        self.page.destroyed.connect(self.profile.deleteLater)
        _lock_down(self.page.settings())
        self.bridge = Bridge(self._received, self)
        self.channel = QWebChannel(self.page)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        self.page.loadFinished.connect(self._loaded)
        self.page.renderProcessTerminated.connect(self._render_process_ended)
        self.view.setPage(self.page)

        self.make_default = QCheckBox("Make this the &default card", self)
        self.make_default.setAccessibleName("Make this the default card")
        self.make_default.setToolTip(
            "Stripe will charge this card by default (invoice settings of the customer)"
        )
        self.status = QLabel(self)
        self.status.setObjectName("HintLabel")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Close without saving a card (Esc)")
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(detail)
        if setup.emulator_origin:
            demo = QLabel(
                "Local emulator: use Stripe's test cards, e.g. 4242 4242 4242 4242 (saved), "
                "4000 0000 0000 0002 (declined), 4000 0025 0000 3155 (asks for 3-D Secure), "
                "with any future expiry (MM/YY or MM/YYYY) and any 3-digit CVC.",
                self,
            )
            demo.setWordWrap(True)
            demo.setObjectName("HintLabel")
            layout.addWidget(demo)
        layout.addWidget(self.notice)
        # Above the form, so that it is seen before Save card is pressed.
        layout.addWidget(self.make_default)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.resize(600, 500)
        self.setTabOrder(self.make_default, self.view)
        self.setTabOrder(self.view, self.cancel_button)

        self.page.setHtml(build_page(setup, _qwebchannel_js(), nonce=_nonce()), QUrl(PAGE_URL))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._watched: QWidget | None = None
        self._watch_page_keys()

    def _watch_page_keys(self) -> None:
        """Esc reaches the page first (Chromium keeps it while a field has the focus): seen
        on the page's widget before the page, it cancels as Cancel does."""
        proxy = self.view.focusProxy()
        if proxy is not None and proxy is not self._watched:
            proxy.installEventFilter(self)
            self._watched = proxy

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._watched
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.reject()
            return True
        return super().eventFilter(watched, event)

    # -- the page -----------------------------------------------------------------------------

    @Slot(bool)
    def _loaded(self, ok: bool) -> None:
        if not ok:
            self.show_notice("The card form could not be shown; close this window and try again.")
        else:
            self._watch_page_keys()
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)  # the page focuses its first field
        self.page_loaded.emit(ok)

    @Slot(QWebEnginePage.RenderProcessTerminationStatus, int)
    def _render_process_ended(
        self, status: QWebEnginePage.RenderProcessTerminationStatus, code: int
    ) -> None:
        log.error("add-card page: its renderer ended (%s, %s)", status.name, code)
        self.show_notice("The card form stopped unexpectedly; close this window and try again.")

    def _received(self, text: str) -> None:
        try:
            message = parse_message(text)
        except ValueError as exc:
            self._refuse(f"The card form sent a message billing-admin does not accept ({exc}).")
            return
        if message.error is not None:
            log.info("add-card page: Stripe did not save the card: %s", message.error)
            self.page_error.emit(message.error)
            return
        seti = message.setup_intent
        if seti != self.setup.setup_intent:
            self._refuse(
                "The card form reported a card setup that is not the one opened for this "
                "customer; nothing was saved."
            )
            return
        if self._checking or self.saved:
            return
        self.set_checking(True)
        self.confirmed.emit(seti)

    def _refuse(self, sentence: str) -> None:
        log.warning("add-card page: %s", sentence)
        self.show_notice(sentence)
        self.message_refused.emit(sentence)

    # -- what the window tells it -------------------------------------------------------------

    def show_notice(self, sentence: str) -> None:
        self.notice.setText(sentence)
        self.notice.show()

    def set_checking(self, checking: bool) -> None:
        """While Stripe confirms the card the dialog cannot be closed (it would race)."""
        self._checking = checking
        self.cancel_button.setEnabled(not checking)
        self.make_default.setEnabled(not checking)
        self.status.setText("Checking the new card with Stripe…" if checking else "")

    def card_saved(self) -> None:
        self.saved = True
        self.set_checking(False)
        self.accept()

    def check_failed(self, sentence: str) -> None:
        self.set_checking(False)
        self.show_notice(sentence)

    # -- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._checking:
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._checking:
            event.ignore()
            return
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.bridge.close()
        super().done(result)


def _lock_down(settings: QWebEngineSettings) -> None:
    """Switch off every web feature the page does not need."""
    attribute = QWebEngineSettings.WebAttribute
    off = (
        attribute.JavascriptCanOpenWindows,
        attribute.JavascriptCanAccessClipboard,
        attribute.JavascriptCanPaste,
        attribute.LocalContentCanAccessRemoteUrls,
        attribute.LocalContentCanAccessFileUrls,
        attribute.PluginsEnabled,
        attribute.PdfViewerEnabled,
        attribute.ScreenCaptureEnabled,
        attribute.NavigateOnDropEnabled,
        attribute.DnsPrefetchEnabled,
        attribute.ErrorPageEnabled,
    )
    for name in off:
        settings.setAttribute(name, False)
    settings.setAttribute(attribute.WebRTCPublicInterfacesOnly, True)
    settings.setAttribute(attribute.FocusOnNavigationEnabled, True)


def _nonce() -> str:
    return secrets.token_urlsafe(18)
