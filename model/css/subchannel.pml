/*
 * model/css/subchannel.pml - one simulated subchannel (src/css) with its
 * worker, and a consumer that behaves like the ccw layer's lazy-TSCH user
 * (channel-io.md §4.7): it issues SSCH, HSCH, CSCH and TSCH in any order,
 * tracks which functions it believes outstanding, and checks every status
 * it fetches against them.
 *
 * Checked (exhaustively, safety mode):
 *  - SSCH cc 0 only when every earlier function's final status has been
 *    fetched: a START can never overtake a CLEAR's status (the Farman race,
 *    §4.4), so TSCH can never attribute a clear's status to a later start;
 *  - every status fetched belongs to an outstanding function (seq and kind
 *    match); intermediate status only to the running start;
 *  - status is never lost: after its budget the consumer waits for the
 *    final status of everything still outstanding; a lost status leaves it
 *    blocked, which Spin reports as an invalid end state;
 *  - no deadlock (invalid end states), worker invariants (asserts).
 *
 * How the model mirrors the C code (keep them in step):
 *  - each `atomic` block is one critical section of sch->lock; the points
 *    where the C code drops the lock (device exec, ops->halt, ops->clear)
 *    are the gaps between atomic blocks of the worker;
 *  - SSCH/HSCH/CSCH/TSCH below are instr.c's uvf_css_ssch/hsch/csch and
 *    tsch_clear(), with their cc checks in the same order;
 *  - the worker loop is worker.c's uvf_css_worker_main priority chain
 *    (clear, halt-if-slot-free, start-if-slot-free), do_clear, do_halt,
 *    present_final (wait_slot, halt merging), and chanprog.c's cp_run
 *    with checkpoint() before each command and pci() on a PCI CCW;
 *  - ctrl bits are the SCSW FC/AC/SC bits the C code tests; "ACTIVE"
 *    stands for subchannel+device active, which the C code sets and
 *    clears together; SC_INTER marks intermediate-only status.
 * Not modelled: suspend/resume, XSCH, MSCH, unsolicited status, device
 * gone, hang knobs (each is a separate, simpler path in the C code).
 */

#define FC_START	1
#define FC_HALT		2
#define FC_CLEAR	4
#define FC_MASK		7
#define AC_START_PEND	8
#define AC_HALT_PEND	16
#define AC_CLEAR_PEND	32
#define AC_ACTIVE	64
#define SC_PEND		128
#define SC_INTER	256

#define FN_NONE		0
#define FN_START	1
#define FN_HALT		2
#define FN_CLEAR	3

#ifndef MAXOPS
#define MAXOPS		5	/* instructions the consumer issues */
#endif
#define NCMD		2	/* commands per channel program */

int ctrl;
byte fn_seq, start_seq, halt_seq, clear_seq;
byte tag_fn, tag_seq;
bool tag_final;
bool pci_owed;

/* ---- instructions (instr.c), each under the subchannel lock ---------- */

inline ssch() {
	atomic {
		if
		:: (ctrl & SC_PEND) -> cc = 1
		:: else ->
			if
			:: (ctrl & FC_MASK) -> cc = 2
			:: else ->
				ctrl = FC_START | AC_START_PEND;
				pci_owed = 0;
				fn_seq++;
				start_seq = fn_seq;
				seq = fn_seq;
				cc = 0
			fi
		fi
	}
}

inline hsch() {
	atomic {
		if
		:: (ctrl & SC_PEND) && !(ctrl & SC_INTER) -> cc = 1
		:: else ->
			if
			:: (ctrl & (FC_HALT | FC_CLEAR)) -> cc = 2
			:: else ->
				/* intermediate status of an active start is
				 * withdrawn; its PCI is owed to the halt */
				if
				:: (ctrl & SC_PEND) && (ctrl & AC_ACTIVE) ->
					ctrl = ctrl & ~(SC_PEND | SC_INTER);
					pci_owed = 1
				:: else -> skip
				fi;
				ctrl = ctrl | FC_HALT | AC_HALT_PEND;
				fn_seq++;
				halt_seq = fn_seq;
				seq = fn_seq;
				cc = 0
			fi
		fi
	}
}

inline csch() {
	atomic {
		ctrl = FC_CLEAR | AC_CLEAR_PEND;
		tag_fn = FN_NONE; tag_seq = 0; tag_final = 0;
		pci_owed = 0;
		fn_seq++;
		clear_seq = fn_seq;
		seq = fn_seq;
		cc = 0
	}
}

inline tsch() {
	atomic {
		if
		:: (ctrl & SC_PEND) ->
			t_fn = tag_fn; t_seq = tag_seq; t_final = tag_final;
			t_inter = (ctrl & SC_INTER) != 0;
			ctrl = ctrl & ~(SC_PEND | SC_INTER);
			if
			:: !t_inter ->
				ctrl = ctrl & ~(FC_MASK | AC_START_PEND |
						AC_HALT_PEND | AC_CLEAR_PEND)
			:: else -> skip
			fi;
			tag_fn = FN_NONE; tag_seq = 0; tag_final = 0;
			cc = 0
		:: else -> cc = 1
		fi
	}
}

/* ---- the worker (worker.c, chanprog.c) ---------------------------------- */

#define ABORTING	((ctrl & AC_CLEAR_PEND) != 0)

/* uvf_css_sch_make_pending() */
inline make_pending(fn, s, fin, inter) {
	ctrl = ctrl | SC_PEND | (inter -> SC_INTER : 0);
	tag_fn = fn; tag_seq = s; tag_final = fin
}

active proctype worker()
{
	byte what, my, cmd, res;
	bool halted, ran;

end_idle:
	do
	:: atomic {
		(ctrl & AC_CLEAR_PEND) ||
		((ctrl & AC_HALT_PEND) && !(ctrl & SC_PEND)) ||
		((ctrl & AC_START_PEND) && (ctrl & FC_MASK) == FC_START &&
		 !(ctrl & SC_PEND));
		ran = 0;
		if
		:: (ctrl & AC_CLEAR_PEND) -> what = FN_CLEAR
		:: else ->
			if
			:: (ctrl & AC_HALT_PEND) && !(ctrl & SC_PEND) ->
				what = FN_HALT
			:: else ->
				/* cp_run: start pending -> active */
				what = FN_START;
				ctrl = (ctrl & ~AC_START_PEND) | AC_ACTIVE;
				my = start_seq
			fi
		fi
	   };
	   if
	   :: what == FN_CLEAR ->
		/* do_clear: ops->clear() with the lock dropped */
		atomic {
			assert(ctrl & AC_CLEAR_PEND);
			ctrl = FC_CLEAR;
			pci_owed = 0;
			make_pending(FN_CLEAR, clear_seq, 1, 0)
		}
	   :: what == FN_START ->
		cmd = 0;
		do
		:: cmd < NCMD ->
			/* checkpoint() */
			atomic {
				if
				:: ABORTING || start_seq != my ||
				   !(ctrl & FC_START) -> res = 0
				:: else ->
					if
					:: (ctrl & AC_HALT_PEND) -> res = 2
					:: else -> res = 1
					fi
				fi
			};
			if
			:: res != 1 -> break
			:: else -> skip
			fi;
			/* a CCW with the PCI flag became current: pci() */
			if
			:: cmd == 0 ->
				atomic {
					if
					:: ABORTING || start_seq != my -> skip
					:: else ->
						if
						:: (ctrl & (SC_PEND | AC_HALT_PEND)) ->
							pci_owed = 1
						:: else ->
							make_pending(FN_START, my, 0, 1)
						fi
					fi
				}
			:: true -> skip
			fi;
			/* ops->exec() runs unlocked */
			cmd++
		:: cmd == NCMD -> res = 3; break
		od;
		if
		:: res == 3 ->
			/* present_final: wait_slot, then merge a halt */
			atomic {
				!(ctrl & SC_PEND) || ABORTING;
				if
				:: ABORTING -> skip
				:: else ->
					assert(start_seq == my);
					halted = (ctrl & AC_HALT_PEND) != 0;
					ctrl = ctrl & ~(AC_START_PEND | AC_HALT_PEND |
							AC_ACTIVE);
					pci_owed = 0;
					if
					:: halted -> make_pending(FN_HALT, halt_seq, 1, 0)
					:: else -> make_pending(FN_START, my, 1, 0)
					fi
				fi
			}
		:: res == 2 -> ran = 1; what = FN_HALT
		:: res == 0 -> skip
		fi
	   :: else -> skip
	   fi;
	   if
	   :: what == FN_HALT ->
		/* do_halt: ops->halt() unlocked, then wait_slot */
		atomic {
			!(ctrl & SC_PEND) || ABORTING;
			if
			:: ABORTING || !(ctrl & AC_HALT_PEND) -> skip
			:: else ->
				assert(!ran || (ctrl & AC_ACTIVE));
				ctrl = ctrl & ~(AC_HALT_PEND | AC_ACTIVE);
				pci_owed = 0;
				make_pending(FN_HALT, halt_seq, 1, 0)
			fi
		}
	   :: else -> skip
	   fi
	od
}

/* ---- the consumer: the ccw layer with lazy TSCH ------------------------------ */

byte c_start, c_halt, c_clear;	/* seq of what it believes outstanding */

/* Attribute a fetched status (the DOORBELL row of §4.7's table). */
inline check() {
	assert(t_final == !t_inter);
	if
	:: !t_final ->
		assert(t_fn == FN_START && c_start != 0 && t_seq == c_start)
	:: t_final && t_fn == FN_START ->
		assert(c_start != 0 && t_seq == c_start && c_halt == 0 &&
		       c_clear == 0);
		c_start = 0
	:: t_final && t_fn == FN_HALT ->
		assert(c_halt != 0 && t_seq == c_halt && c_clear == 0);
		c_halt = 0; c_start = 0
	:: t_final && t_fn == FN_CLEAR ->
		assert(c_clear != 0 && t_seq == c_clear);
		c_clear = 0; c_halt = 0; c_start = 0
	:: else -> assert(false)
	fi
}

active proctype consumer()
{
	byte ops, cc, seq, t_fn, t_seq;
	bool t_final, t_inter;

	do
	:: ops < MAXOPS ->
		ops++;
		if
		:: true -> ssch();
			if
			:: cc == 0 ->
				/* the CSS accepted a start: nothing of ours
				 * may still be outstanding */
				assert(c_start == 0 && c_halt == 0 &&
				       c_clear == 0);
				c_start = seq
			:: else -> skip
			fi
		:: true -> hsch();
			if
			:: cc == 0 -> c_halt = seq
			:: else -> skip
			fi
		:: true -> csch(); c_clear = seq
		:: true -> tsch();
			if
			:: cc == 0 -> check()
			:: else -> skip
			fi
		fi
	:: else -> break
	od;
	/* Drain: every outstanding function must still deliver a final
	 * status; a lost one leaves us blocked here (invalid end state). */
	do
	:: c_start == 0 && c_halt == 0 && c_clear == 0 -> break
	:: else ->
		(ctrl & SC_PEND);
		tsch();
		assert(cc == 0);
		check()
	od;
	assert((ctrl & (FC_MASK | SC_PEND)) == 0)
}
