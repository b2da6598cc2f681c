;;; readme_eglot_driver.el --- use the README's eglot config as a user would  -*- lexical-binding: t -*-
;; Loads README_EL (the README's Emacs block, interpreter path filled in), opens FLOW_FILE,
;; takes the "Generate code" action through `eglot-code-actions', runs the file with the
;; README's `prosepy-run', and asks for a hover.  Writes what it saw to FLOW_RESULT as JSON.
(require 'json)
(require 'seq)
(require 'eglot)

(defvar prosepy-seen nil)
(defun prosepy-see (key value) (push (cons key value) prosepy-seen))

(defun prosepy-wait (what pred &optional seconds)
  (let ((end (+ (float-time) (or seconds 120))))
    (while (not (funcall pred))
      (when (> (float-time) end) (error "Timed out waiting for %s" what))
      (accept-process-output nil 0.1))))

(let ((ok nil))
  (condition-case err
      (progn
        (load (getenv "README_EL") nil t)
        (find-file (getenv "FLOW_FILE"))
        (prosepy-see 'mode (symbol-name major-mode))
        ;; eglot-ensure connects after the next command; in batch there is none, so run the hook
        (run-hooks 'post-command-hook)
        (prosepy-wait "eglot to connect" (lambda () (eglot-current-server)) 60)
        (prosepy-see 'server (jsonrpc-name (eglot-current-server)))
        ;; M-x eglot-code-actions on the comment, picking "Generate code" from the menu
        (goto-char (point-min))
        (let* ((last-nonmenu-event ?\r)
               (completing-read-function
                (lambda (_prompt collection &rest _)
                  (let ((titles (all-completions "" collection)))
                    (prosepy-see 'titles titles)
                    (or (seq-find (lambda (x) (string-prefix-p "Generate code" x)) titles)
                        (error "No Generate code action among %S" titles))))))
          (eglot-code-actions (point-min) (line-end-position) nil t))
        (prosepy-wait "the generated code" (lambda () (> (count-lines (point-min) (point-max)) 2)))
        (prosepy-see 'text (buffer-substring-no-properties (point-min) (point-max)))
        ;; the README's command
        (let ((result (prosepy-run "prosepy.runFile")))
          (prosepy-see 'run_ok (if (eq (plist-get result :ok) t) t :json-false))
          (prosepy-see 'stdout (plist-get result :stdout))
          (prosepy-see 'lines (plist-get result :lines)))
        ;; hover on `sum'
        (goto-char (point-min))
        (search-forward "sum(")
        (backward-char 2)
        (let ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                      (eglot--TextDocumentPositionParams))))
          (prosepy-see 'hover (plist-get (plist-get hover :contents) :value)))
        (setq ok t))
    (error
     (prosepy-see 'error (error-message-string err))
     ;; the server's stderr, for the test's failure message
     (dolist (buf (buffer-list))
       (when (string-match-p "stderr" (buffer-name buf))
         (prosepy-see 'stderr (with-current-buffer buf
                                (buffer-substring-no-properties
                                 (max (point-min) (- (point-max) 3000)) (point-max))))))))
  (with-temp-file (getenv "FLOW_RESULT")
    (insert (json-encode prosepy-seen)))
  (ignore-errors (eglot-shutdown (eglot-current-server)))
  (kill-emacs (if ok 0 1)))
