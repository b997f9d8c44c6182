package ai.lcl4j.bench;

import ai.lcl4j.ops.FusedKernels;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fused kernels with a stopwatch around every call, per op and method
 * ("attention.forward", ...), so a step profile can say how much of the step the
 * fused kernels are (and so how much any kernel speed-up could still save). Every
 * kernel of {@link FusedKernels} is wrapped, so a new op is timed without a change
 * here. CPU kernels run synchronously, so wall time is exact.
 */
final class TimedKernels {
    private final Map<String, Long> ns = new TreeMap<>();

    void reset() {
        ns.clear();
    }

    long totalNs() {
        return ns.values().stream().mapToLong(Long::longValue).sum();
    }

    FusedKernels wrap(FusedKernels inner) {
        return inner.map(new FusedKernels.Wrapper() {
            @Override
            public <T> T wrap(String op, Class<T> contract, T kernel) {
                InvocationHandler timed = (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) return method.invoke(kernel, args);
                    long t0 = System.nanoTime();
                    try {
                        return method.invoke(kernel, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        ns.merge(op + "." + method.getName(), System.nanoTime() - t0, Long::sum);
                    }
                };
                return contract.cast(Proxy.newProxyInstance(contract.getClassLoader(), new Class<?>[] {contract}, timed));
            }
        });
    }
}
